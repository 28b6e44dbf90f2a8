"""Content hashes of raw submissions: kept against stat signatures, never trusted past a change."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import copy_submission
from yotbench.config import RunConfig
from yotbench.ingest import HashCache, discover
from yotbench.ledger import Ledger
from yotbench.pipeline import make_plan, raw_hashes_path, rules_hash

CORPUS = Path(__file__).parents[1] / "fixtures" / "submissions"
FAKE = "f" * 64  # no file hashes to this


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    copy_submission(CORPUS / "pass_csv", raw, "ashford")
    copy_submission(CORPUS / "pass_xlsx.xlsx", raw, "bury.xlsx")
    return raw


def _hashes(raw: Path, cache: HashCache | None = None) -> dict[str, str]:
    return {s.name: s.content_hash for s in discover(raw, cache)}


def test_unchanged_files_take_their_hash_from_the_cache(tmp_path):
    raw = _raw(tmp_path)
    path = tmp_path / "hashes.json"
    first = HashCache(path, settle_seconds=0)
    assert _hashes(raw, first) == _hashes(raw)  # the same hashes as reading every file
    assert first.hashed == 2
    first.save()
    # a cached hash is used as it is, so a planted one comes back: the files were not read again
    data = json.loads(path.read_text(encoding="utf-8"))
    data["hashes"]["ashford"][1] = FAKE
    path.write_text(json.dumps(data), encoding="utf-8")
    again = HashCache(path, settle_seconds=0)
    assert _hashes(raw, again)["ashford"] == FAKE
    assert again.hashed == 0


def test_a_rewritten_file_is_hashed_again_even_with_its_size_and_mtime_kept(tmp_path):
    raw = _raw(tmp_path)
    path = tmp_path / "hashes.json"
    cache = HashCache(path, settle_seconds=0)
    before = _hashes(raw, cache)
    cache.save()
    cases = raw / "ashford" / "cases.csv"
    stat = cases.stat()
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text.replace("male,white", "male,black", 1), encoding="utf-8")  # same size
    os.utime(cases, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # mtime put back; ctime cannot be
    assert cases.stat().st_size == stat.st_size and cases.stat().st_mtime_ns == stat.st_mtime_ns
    after = HashCache(path, settle_seconds=0)
    hashes = _hashes(raw, after)
    assert hashes["ashford"] != before["ashford"]
    assert hashes == _hashes(raw)
    assert after.hashed == 1  # only the changed submission was read
    assert hashes["bury.xlsx"] == before["bury.xlsx"]


def test_files_changed_within_the_settle_time_are_not_kept(tmp_path):
    raw = _raw(tmp_path)  # copied just now: ctime is now
    path = tmp_path / "hashes.json"
    cache = HashCache(path, settle_seconds=3600)
    assert _hashes(raw, cache) == _hashes(raw)
    cache.save()
    assert json.loads(path.read_text(encoding="utf-8"))["hashes"] == {}


def test_a_damaged_or_foreign_cache_is_ignored(tmp_path):
    raw = _raw(tmp_path)
    path = tmp_path / "hashes.json"
    for text in ("{not json", '{"layout": "0", "hashes": {"ashford": ["x", "' + FAKE + '"]}}', "[]"):
        path.write_text(text, encoding="utf-8")
        cache = HashCache(path, settle_seconds=0)
        assert _hashes(raw, cache) == _hashes(raw)
        assert cache.hashed == 2


def test_planning_keeps_the_hashes_of_what_it_listed(tmp_path, monkeypatch):
    monkeypatch.setattr(HashCache, "SETTLE_SECONDS", 0.0)
    config = RunConfig(data_dir=tmp_path)
    _raw(tmp_path)
    path = raw_hashes_path(config)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"layout": HashCache.LAYOUT, "hashes": {"gone": ["x", FAKE]}}), encoding="utf-8")
    with Ledger(config.ledger_path) as ledger:
        plan = make_plan(config, ledger, rules_hash())
    assert plan.seen == 2
    kept = json.loads(path.read_text(encoding="utf-8"))["hashes"]
    # the submissions listed, with the hashes of their files; the one no longer in raw/ is dropped
    assert {name: digest for name, (_, digest) in kept.items()} == _hashes(config.raw_dir)


def test_has_submissions_agrees_with_discover_without_reading_files(tmp_path):
    from yotbench.ingest import has_submissions

    raw = tmp_path / "raw"
    assert not has_submissions(raw)  # no folder yet
    raw.mkdir()
    (raw / "README.md").write_text("what to drop here", encoding="utf-8")
    (raw / ".DS_Store").write_bytes(b"\0")
    (raw / "_notes").mkdir()
    assert not has_submissions(raw) and discover(raw) == []  # only entries discover ignores
    (raw / "notes.txt").write_text("not a submission, but an entry to report", encoding="utf-8")
    assert has_submissions(raw) and [s.format for s in discover(raw)] == ["unknown"]


def test_lock_files_and_thumbnails_in_a_folder_leave_its_hash_alone(tmp_path):
    # Opening answers.csv in Excel writes ~$answers.csv beside it; Windows adds Thumbs.db and desktop.ini.
    raw = _raw(tmp_path)
    before = _hashes(raw)
    for name in ("~$answers.csv", "Thumbs.db", "desktop.ini", ".DS_Store"):
        (raw / "ashford" / name).write_bytes(b"\x00owner")
    assert _hashes(raw) == before
    (raw / "ashford" / "notes.txt").write_text("a file the inspector added", encoding="utf-8")
    assert _hashes(raw)["ashford"] != before["ashford"]  # anything else is part of the submission


def test_a_content_hash_is_of_the_content_not_the_submissions_name(tmp_path):
    import hashlib

    raw = _raw(tmp_path)
    copy_submission(CORPUS / "pass_csv", raw, "ashford_again")
    copy_submission(CORPUS / "pass_xlsx.xlsx", raw, "bury_again.xlsx")
    hashes = _hashes(raw)
    # a workbook's is its file's SHA-256, as `sha256sum` gives it
    assert hashes["bury.xlsx"] == hashlib.sha256((CORPUS / "pass_xlsx.xlsx").read_bytes()).hexdigest()
    # the same files under another name: the same content
    assert hashes["ashford_again"] == hashes["ashford"] and hashes["bury_again.xlsx"] == hashes["bury.xlsx"]
    # the names of the files inside a folder are part of its content
    (raw / "ashford_again" / "ratings.csv").rename(raw / "ashford_again" / "ratings_2019.csv")
    assert _hashes(raw)["ashford_again"] != hashes["ashford"]


def _landed(config: RunConfig, name: str) -> None:
    from yotbench.pipeline import process_submission

    sub = next(s for s in discover(config.raw_dir) if s.name == name)
    assert process_submission(sub, config, "r1", rules_hash()).status == "landed"


def test_a_copy_of_landed_content_under_another_name_is_skipped(tmp_path):
    from yotbench.report import RunRecord, format_summary

    config = RunConfig(data_dir=tmp_path)
    copy_submission(CORPUS / "pass_csv", config.raw_dir, "ashford")
    _landed(config, "ashford")
    copy_submission(CORPUS / "pass_csv", config.raw_dir, "ashford_copy")

    with Ledger(config.ledger_path) as ledger:
        plan = make_plan(config, ledger, rules_hash(), "r2")
        original = ledger.current_named("ashford")
        [kept] = ledger.db.execute(
            "select status, superseded_by, inspection_id, note from submissions where name = 'ashford_copy'"
        ).fetchall()

    assert plan.todo == [] and sorted(s.name for s in plan.unchanged) == ["ashford", "ashford_copy"]
    assert plan.same_content == {"ashford_copy": "ashford"}
    # on record, as superseded by what it copies
    assert tuple(kept) == (
        "superseded",
        original.id,
        original.inspection_id,
        "the same content as ashford, landed in run r1: not landed again",
    )
    record = RunRecord("r2", config)
    record.plan(plan)
    lines = format_summary(record.as_dict()).splitlines()
    assert lines[1] == "  submissions: 2 seen, 0 landed, 2 skipped (unchanged), 0 rejected"
    assert "  ashford_copy: skipped, the same content as ashford (landed)" in lines
    with Ledger(config.ledger_path) as ledger:  # the next night: the same, and not recorded twice
        again = make_plan(config, ledger, rules_hash(), "r2b")
        assert ledger.db.execute("select count(*) from submissions where name = 'ashford_copy'").fetchone()[0] == 1
    assert again.todo == [] and again.same_content == {"ashford_copy": "ashford"}

    # a newer version of the original lands: the copy of the old content stays settled (it is not
    # tried, and so not rejected as older than the landed version)
    inspection = config.raw_dir / "ashford" / "inspection.csv"
    text = inspection.read_text(encoding="utf-8")
    inspection.write_text(text.replace("Youth Offending Service", "Youth Justice Service"), encoding="utf-8")
    copy_time = (config.raw_dir / "ashford_copy" / "inspection.csv").stat().st_mtime
    for path in (config.raw_dir / "ashford").iterdir():
        os.utime(path, (copy_time + 100, copy_time + 100))
    with Ledger(config.ledger_path) as ledger:
        assert [s.name for s in make_plan(config, ledger, rules_hash(), "r3").todo] == ["ashford"]
    _landed(config, "ashford")
    with Ledger(config.ledger_path) as ledger:
        plan = make_plan(config, ledger, rules_hash(), "r4")
    assert plan.todo == [] and sorted(s.name for s in plan.unchanged) == ["ashford", "ashford_copy"]
    assert plan.same_content == {}


def test_a_ledger_that_hashed_with_the_name_is_rekeyed_not_landed_again(tmp_path):
    from yotbench.ingest import legacy_content_hash
    from yotbench.ledger import HASH_LAYOUT

    config = RunConfig(data_dir=tmp_path)
    copy_submission(CORPUS / "pass_csv", config.raw_dir, "ashford")
    copy_submission(CORPUS / "pass_xlsx.xlsx", config.raw_dir, "bury.xlsx")
    _landed(config, "ashford")
    _landed(config, "bury.xlsx")
    subs = {s.name: s for s in discover(config.raw_dir)}
    # the ledger as the code before layout 2 left it: hashes over paths starting with the name
    with Ledger(config.ledger_path) as ledger:
        for sub in subs.values():
            ledger.db.execute(
                "update submissions set content_hash = ? where name = ?",
                (legacy_content_hash(sub, config.raw_dir), sub.name),
            )
        ledger.db.execute("pragma user_version = 0")
    assert legacy_content_hash(subs["ashford"], config.raw_dir) != subs["ashford"].content_hash
    raw_hashes_path(config).unlink(missing_ok=True)  # as a cache of the older layout would be ignored

    with Ledger(config.ledger_path) as ledger:
        assert ledger.hash_layout() == 0
        plan = make_plan(config, ledger, rules_hash())
        recorded = dict(ledger.db.execute("select name, content_hash from submissions").fetchall())
        layout = ledger.hash_layout()

    assert plan.todo == [] and sorted(s.name for s in plan.unchanged) == ["ashford", "bury.xlsx"]
    assert recorded == {name: sub.content_hash for name, sub in subs.items()}
    assert layout == HASH_LAYOUT


def test_a_new_ledger_needs_no_rekeying(tmp_path):
    from yotbench.ledger import HASH_LAYOUT

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.hash_layout() == HASH_LAYOUT
