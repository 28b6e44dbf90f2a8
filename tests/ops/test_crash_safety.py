"""A run killed with SIGKILL at any stage damages nothing published, and the next run recovers.

Each case starts from the same published state (four inspections), drops a fifth,
kills a real `yotbench run` child process at a named point (during landing, during
the marts build, during the briefing), and then checks what the issue asks.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import copy_submission
from tests.ops.helpers import assert_same_marts, built_by, kill_at, marts_contents
from yotbench.cli import main
from yotbench.ledger import Ledger

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def _sources(sample_raw: Path) -> list[Path]:
    return sorted(sample_raw.iterdir())[:5]


@pytest.fixture(scope="module")
def baseline(prefect_harness, tmp_path_factory, sample_raw) -> Path:
    data = tmp_path_factory.mktemp("baseline") / "data"
    for entry in _sources(sample_raw)[:4]:
        copy_submission(entry, data / "raw")
    assert main(["run", "--data-dir", str(data)]) == 0
    return data


@pytest.fixture(scope="module")
def uninterrupted(baseline, tmp_path_factory, sample_raw) -> Path:
    data = tmp_path_factory.mktemp("uninterrupted") / "data"
    shutil.copytree(baseline, data)
    copy_submission(_sources(sample_raw)[4], data / "raw")
    assert main(["run", "--data-dir", str(data)]) == 0
    return data


def _briefing_files(data: Path) -> dict[str, bytes]:
    return {
        p.relative_to(data).as_posix(): p.read_bytes() for p in sorted((data / "briefings").rglob("*")) if p.is_file()
    }


def _comparable_briefings(data: Path) -> dict[str, str]:
    """Briefing CSVs, without the lineage table (it names the run that wrote them)."""
    return {
        p.relative_to(data / "briefings").as_posix(): p.read_text(encoding="utf-8")
        for p in sorted((data / "briefings").rglob("*.csv"))
        if "source" not in p.name and "lineage" not in p.name
    }


def _no_half_written_files(data: Path) -> None:
    """Every file under a final (not hidden) name outside raw/ is whole and readable."""
    for path in data.rglob("*"):
        relative = path.relative_to(data)
        if relative.parts[0] == "raw" or any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix == ".parquet":
            pq.read_metadata(path)
        elif path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as con:
                con.execute("select count(*) from marts.question_results").fetchall()
        elif path.suffix in (".xlsx", ".ods"):
            assert zipfile.ZipFile(path).testzip() is None
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("point", ["landing", "marts", "briefing"])
def test_a_killed_run_leaves_the_published_outputs_and_the_next_run_recovers(
    point, baseline, uninterrupted, tmp_path, sample_raw, capsys
):
    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    db = data / "marts" / "yotbench.duckdb"
    published_run = built_by(db)
    marts_before = marts_contents(db)
    briefings_before = _briefing_files(data)
    assert briefings_before

    copy_submission(_sources(sample_raw)[4], data / "raw")
    kill_at(data, point)

    # what was published before is intact and readable
    assert built_by(db) == published_run
    after = marts_contents(db)
    assert after.keys() == marts_before.keys()
    for name in after:
        assert after[name].equals(marts_before[name]), name
    assert _briefing_files(data) == briefings_before
    _no_half_written_files(data)
    with Ledger(data / "ledger.sqlite") as ledger:
        assert ledger.runs(1)[0]["status"] == "running"  # the killed run never reached "published"

    # the next run completes, clears the leftovers, and equals an uninterrupted run
    capsys.readouterr()
    assert main(["run", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "ended without finishing" in out
    assert "published" in out.splitlines()[0]
    leftovers = [
        p
        for p in data.rglob("*")
        if p.name.endswith((".tmp", ".old")) and p.relative_to(data).parts[0] != "raw" and p != data / ".tmp"
    ]
    assert leftovers == []
    assert_same_marts(db, uninterrupted / "marts" / "yotbench.duckdb")
    assert _comparable_briefings(data) == _comparable_briefings(uninterrupted)
    with Ledger(data / "ledger.sqlite") as ledger:
        assert len(ledger.current()) == 5
        assert ledger.runs(1)[0]["status"] == "published"


def test_running_the_same_drop_twice_gives_identical_marts(baseline, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    first = marts_contents(data / "marts" / "yotbench.duckdb")
    assert main(["run", "--data-dir", str(data), "--rebuild"]) == 0
    second = marts_contents(data / "marts" / "yotbench.duckdb")
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].equals(second[name]), name


def test_a_run_killed_between_publishing_its_marts_and_its_briefings_is_published_again_whole(
    baseline, tmp_path, capsys
):
    # A --rebuild changes nothing in the store, so the next run's fingerprint matches the last
    # publication's: only the stale lock says the marts in place are not what was published.
    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    db = data / "marts" / "yotbench.duckdb"
    published_run = built_by(db)
    briefings_before = _comparable_briefings(data)
    kill_at(data, "publishing", "--rebuild")

    killed = built_by(db)
    assert killed != published_run  # the killed run's marts are in place beside the old briefings
    _no_half_written_files(data)

    capsys.readouterr()
    assert main(["run", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"run {killed} was killed while publishing" in out
    with Ledger(data / "ledger.sqlite") as ledger:
        runs = {run["run_id"]: run for run in ledger.runs(3)}
        assert runs[killed]["status"] == "failed"
        assert "killed: ended without finishing" in runs[killed]["summary"]["error"]
        last = ledger.last_published_run()
    assert built_by(db) == last["run_id"] != killed  # marts and briefings of one publication again
    assert _comparable_briefings(data) == briefings_before
    (line,) = [line for line in ops_status(data).splitlines() if killed in line]
    assert f"{killed}  failed" in line
    # when it died is not known: not a duration up to when the next run found it
    assert f"killed; found {runs[killed]['ended_at']}" in line


def test_a_briefing_swapped_out_by_a_killed_run_is_put_back(baseline, tmp_path, capsys):
    # Killed between swap_in's two renames, a run leaves the published folder as `.NAME.xxxx.old`.
    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    before = _briefing_files(data)
    folder = sorted(p for p in (data / "briefings").iterdir() if not p.name.startswith("."))[0]
    folder.rename(folder.with_name(f".{folder.name}.1a2b3c4d.old"))
    assert main(["run", "--data-dir", str(data)]) == 0
    assert "nothing new or changed" in capsys.readouterr().out
    assert _briefing_files(data) == before

    # and one that is gone altogether is published again
    comparable = _comparable_briefings(data)
    shutil.rmtree(folder)
    assert main(["run", "--data-dir", str(data)]) == 0
    assert "a published briefing is missing" in capsys.readouterr().out
    assert _comparable_briefings(data) == comparable


def ops_status(data: Path) -> str:
    from yotbench.config import RunConfig
    from yotbench.ops import status_text

    return status_text(RunConfig(data_dir=data))


def test_a_killed_brief_is_cleared_by_the_next_run_which_leaves_the_publication_alone(baseline, tmp_path, capsys):
    # `yotbench brief` writes into briefings/ under the run lock: killed half-way, it leaves a
    # staging folder and a lock that names it, not a run, as the holder that never finished.
    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    db = data / "marts" / "yotbench.duckdb"
    published_run = built_by(db)
    briefings_before = _briefing_files(data)
    kill_at(data, "briefing", "--from", "2000-01-01", "--to", "2030-12-31", command="brief")

    holder = json.loads((data / "run.lock").read_text())
    assert (holder["command"], holder["state"]) == ("brief", "running")
    staging = [p.name for p in (data / "briefings").iterdir() if p.name.endswith(".tmp")]
    assert len(staging) == 1
    published = {k: v for k, v in _briefing_files(data).items() if not k.startswith(f"briefings/{staging[0]}/")}
    assert published == briefings_before  # the half-written folder is under a temporary name only

    capsys.readouterr()
    assert main(["run", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"previous brief {holder['run_id']} ended without finishing" in out
    assert "nothing new or changed" in out  # a killed brief published nothing: no run is redone
    assert not any(p.name.endswith(".tmp") for p in (data / "briefings").iterdir())
    assert built_by(db) == published_run
    assert _briefing_files(data) == briefings_before
    with Ledger(data / "ledger.sqlite") as ledger:
        runs = ledger.runs(20)
    assert holder["run_id"] not in {run["run_id"] for run in runs}
    assert [run["status"] for run in runs][:2] == ["no_change", "published"]  # this run, then the baseline's


def test_a_brief_is_refused_while_a_run_holds_the_data_folder(baseline, tmp_path, capsys):
    from yotbench.lock import RunLock

    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    briefings_before = _briefing_files(data)
    with RunLock(data / "run.lock", "r-nightly"):
        assert main(["brief", "--data-dir", str(data), "--from", "2000-01-01", "--to", "2030-12-31"]) == 1
    err = capsys.readouterr().err
    assert f"yotbench brief: {data} is in use by run r-nightly" in err
    assert _briefing_files(data) == briefings_before
