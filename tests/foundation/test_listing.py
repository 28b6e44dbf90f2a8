"""Walking the raw folder and the data folders: what a listing sees and what a cleanup removes."""

from __future__ import annotations

import os
from pathlib import Path

from yotbench.atomic import remove_stale_temporaries
from yotbench.config import RunConfig
from yotbench.ingest import HashCache, _hash_files, discover
from yotbench.pipeline import clear_leftovers


def _write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_submission_folder_is_hashed_over_its_nested_files_hidden_ones_and_linked_folders_left_out(tmp_path):
    raw = tmp_path / "raw"
    folder = raw / "yos-1_ashford"
    for name in ("z.csv", "a.csv", "sub/b.csv", ".hidden/c.csv", ".DS_Store", "sub/.~lock.b.csv#"):
        _write(folder / name)
    outside = _write(tmp_path / "elsewhere" / "d.csv")
    os.symlink(outside.parent, folder / "linked")  # a symlinked folder is not entered
    os.symlink(outside, folder / "e.csv")  # a symlinked file is read
    listed = ["a.csv", ".hidden/c.csv", "e.csv", "sub/b.csv", "z.csv"]

    def digest() -> str:
        [sub] = discover(raw)
        assert sub.format == "csv"
        return sub.content_hash

    # the hash of exactly those files, in path order (hidden folders are entered; hidden files are not)
    assert digest() == _hash_files(sorted(folder / name for name in listed), folder)
    before = digest()
    _write(folder / ".DS_Store", "changed")
    _write(outside.parent / "f.csv")
    assert digest() == before
    _write(folder / "sub" / "b.csv", "changed")
    assert digest() != before


def test_a_submission_is_hashed_in_path_order_part_by_part_with_or_without_the_hash_cache(tmp_path):
    # text order would read sub-x.csv, sub.csv, sub/b.csv ("-" < "." < "/"); Path order reads the
    # folder sub first. Landed submissions' hashes were taken in Path order: reading another order
    # would make every landed submission look changed.
    raw = tmp_path / "raw"
    folder = raw / "yos-1_ashford"
    for name in ("sub.csv", "sub/b.csv", "sub-x.csv"):
        _write(folder / name, name)
    in_path_order = [folder / "sub" / "b.csv", folder / "sub-x.csv", folder / "sub.csv"]
    assert sorted(in_path_order) == in_path_order
    expected = _hash_files(in_path_order, folder)
    assert expected != _hash_files(sorted(in_path_order, key=str), folder)

    [plain] = discover(raw)
    cache = HashCache(tmp_path / "hashes.json", settle_seconds=0)
    [first] = discover(raw, cache)
    cache.save()
    again = HashCache(tmp_path / "hashes.json", settle_seconds=0)
    [cached] = discover(raw, again)
    assert plain.content_hash == first.content_hash == cached.content_hash == expected
    assert (cache.hashed, again.hashed) == (1, 0)
    assert cached.path == folder


def test_remove_stale_temporaries_removes_leftovers_at_any_depth_and_nothing_else(tmp_path):
    keep = [
        _write(tmp_path / "answers" / "yos-2018" / "yos-1" / "abc.parquet"),
        _write(tmp_path / "answers" / "yos-2018" / "yos-1" / "x.tmp"),  # not hidden: not ours
        _write(tmp_path / ".tmp" / "store.duckdb"),  # the scratch folder itself is kept
        _write(tmp_path / "briefings" / ".old"),
        # what the two .old leftovers below were swapped out for: the swaps finished
        _write(tmp_path / "cases" / "yos-2018" / "yos-1" / "c.parquet"),
        _write(tmp_path / "deep" / "er" / "still" / "ledger.json"),
    ]
    gone = [
        _write(tmp_path / "answers" / "yos-2018" / "yos-1" / ".abc.parquet.1a2b3c4d.tmp"),
        _write(tmp_path / "cases" / ".yos-2018.1a2b3c4d.old" / "yos-1" / "c.parquet"),
        _write(tmp_path / ".briefing.1a2b3c4d.tmp" / "tables.ods"),
        _write(tmp_path / "deep" / "er" / "still" / ".ledger.json.00000000.old"),
    ]
    assert remove_stale_temporaries(tmp_path) == 4  # a leftover folder counts once
    assert all(p.exists() for p in keep)
    assert not any(p.exists() for p in gone)
    assert not (tmp_path / "cases" / ".yos-2018.1a2b3c4d.old").exists()
    assert not (tmp_path / ".briefing.1a2b3c4d.tmp").exists()
    assert remove_stale_temporaries(tmp_path / "missing") == 0


def test_after_a_finished_run_only_the_folders_written_without_the_lock_are_walked(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    run_only = [
        _write(config.parquet_dir / "answers" / "yos-2018" / "yos-1" / ".abc.parquet.1a2b3c4d.tmp"),
        _write(config.quarantine_dir / "run-1" / ".errors.csv.1a2b3c4d.tmp"),
        _write(config.validation_dir / "run-1" / ".index.html.1a2b3c4d.tmp"),
    ]
    always = [
        _write(config.briefings_dir / ".yos-2018_2021-04-01_2022-03-31.1a2b3c4d.tmp" / "briefing.md"),
        _write(config.tmp_dir / ".raw-hashes.json.1a2b3c4d.tmp"),
    ]
    assert clear_leftovers(config, last_run_finished=True) == 2
    assert all(p.exists() for p in run_only) and not any(p.exists() for p in always)
    assert clear_leftovers(config) == 3  # the last run's end unknown, or it was killed: everything
    assert not any(p.exists() for p in run_only)


def test_an_interrupted_swap_is_undone_not_deleted(tmp_path):
    # swap_in renames the published folder aside, then the new one in. Killed between the two,
    # only `.NAME.xxxx.old` is left: it is the published version, and it is moved back.
    briefings = tmp_path / "briefings"
    _write(briefings / ".yos-2018_2019-04-01_2020-03-31.1a2b3c4d.old" / "briefing.html", "published")
    _write(briefings / ".yos-2018_2019-04-01_2020-03-31.5e6f7a8b.tmp" / "briefing.html", "half written")
    _write(briefings / ".cci-2009_2011-04-01_2012-03-31.00000000.old" / "briefing.html", "older")
    _write(briefings / "cci-2009_2011-04-01_2012-03-31" / "briefing.html", "current")
    assert remove_stale_temporaries(tmp_path) == 3
    assert sorted(p.name for p in briefings.iterdir()) == [
        "cci-2009_2011-04-01_2012-03-31",
        "yos-2018_2019-04-01_2020-03-31",
    ]
    assert (briefings / "yos-2018_2019-04-01_2020-03-31" / "briefing.html").read_text() == "published"
    assert (briefings / "cci-2009_2011-04-01_2012-03-31" / "briefing.html").read_text() == "current"


def test_of_two_swapped_out_versions_the_newest_is_moved_back(tmp_path):
    import os

    older = _write(tmp_path / ".b.00000001.old" / "x", "older")
    newer = _write(tmp_path / ".b.00000002.old" / "x", "newer")
    os.utime(older.parent, (1_000, 1_000))
    os.utime(newer.parent, (2_000, 2_000))
    assert remove_stale_temporaries(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["b"]
    assert (tmp_path / "b" / "x").read_text() == "newer"
