"""The one-screen summary `yotbench run` prints."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.conftest import copy_submission
from yotbench.cli import main
from yotbench.config import RunConfig
from yotbench.ledger import Ledger
from yotbench.report import RunRecord, format_summary


def test_the_summary_ends_with_the_briefings_written(tmp_path):
    # issue 6: `make run` ends by printing the path of the briefing it wrote.
    record = RunRecord("r1", RunConfig(data_dir=tmp_path))
    record.outputs = {
        "marts": str(tmp_path / "marts" / "yotbench.duckdb"),
        "briefings": [str(tmp_path / "briefings" / "a"), str(tmp_path / "briefings" / "b")],
        "validation": str(tmp_path / "validation" / "r1" / "index.html"),
    }
    record.notes = ["something worth saying"]
    record.published = True
    lines = format_summary(record.as_dict()).splitlines()
    assert lines[-2:] == [f"    briefings: {tmp_path}/briefings/a", f"    briefings: {tmp_path}/briefings/b"]
    assert lines.index("  note: something worth saying") < lines.index("  outputs:")
    assert f"    quarantine: {tmp_path}/quarantine (nothing rejected in this run)" in lines


def test_long_lists_of_submissions_are_capped_with_a_count_of_the_rest(tmp_path):
    from yotbench.errors import Problem
    from yotbench.pipeline import Outcome
    from yotbench.report import SHOWN_SUBMISSIONS

    record = RunRecord("r1", RunConfig(data_dir=tmp_path))
    bad = [Problem("answers.csv", row, "answer", "maybe", "code_not_in_set", "not a code") for row in range(2, 6)]
    record.outcomes = [
        Outcome(f"bad-{i:02d}", "rejected", problems=bad, quarantine_path=f"q/r1/bad-{i:02d}") for i in range(12)
    ]
    record.same_content = {f"copy-{i:02d}": f"yos-{i:05d}" for i in range(SHOWN_SUBMISSIONS + 1)}
    lines = format_summary(record.as_dict()).splitlines()

    rejected = [line for line in lines if line.startswith("  REJECTED ")]
    assert rejected == [
        f"  REJECTED bad-{i:02d}: 4 error(s); full list in {tmp_path}/q/r1/bad-{i:02d}/errors.csv" for i in range(10)
    ]
    first = lines.index(rejected[0])
    assert lines[first + 1 : first + 5] == [
        "    - answers.csv row 2, column answer: not a code [code_not_in_set]",
        "    - answers.csv row 3, column answer: not a code [code_not_in_set]",
        "    - answers.csv row 4, column answer: not a code [code_not_in_set]",
        "    ... and 1 more",
    ]
    assert "  ... and 2 more rejected, each with its errors.csv in the quarantine folder below" in lines
    copies = [line for line in lines if ": skipped, the same content as " in line]
    assert copies == [f"  copy-{i:02d}: skipped, the same content as yos-{i:05d} (landed)" for i in range(10)]
    assert "  ... and 1 more skipped as copies of landed submissions" in lines


def test_a_failed_run_ends_with_why(tmp_path):
    record = RunRecord("r1", RunConfig(data_dir=tmp_path))
    record.error = "ValueError: boom"
    assert format_summary(record.as_dict()).splitlines()[-1] == "  FAILED: ValueError: boom"


@pytest.mark.prefect
def test_a_run_that_fails_prints_its_summary_and_one_line_of_why(prefect_harness, tmp_path, sample_raw, capsys):
    data = tmp_path / "data"
    for entry in sorted(sample_raw.iterdir())[:2]:
        copy_submission(entry, data / "raw")
    assert main(["run", "--data-dir", str(data)]) == 0
    broken = next((data / "parquet" / "answers").rglob("*.parquet"))
    broken.write_bytes(b"not parquet")  # the store damaged behind the ledger's back
    capsys.readouterr()

    assert main(["run", "--data-dir", str(data), "--rebuild"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("yotbench run ") and lines[0].endswith(": failed")
    assert lines[-1].startswith("  FAILED: ") and "Parquet" in lines[-1]
    last = err.strip().splitlines()[-1]
    assert last.startswith("yotbench run failed: ") and "(traceback in " in last
    trace = Path(last.rsplit("(traceback in ", 1)[1].rstrip(")"))
    assert trace.parent == data / ".tmp" and "Traceback (most recent call last)" in trace.read_text()
    # the ledger records the run as failed, with why; no note says it was published
    run_id = lines[0].split()[2].rstrip(":")
    with Ledger(data / "ledger.sqlite") as ledger:
        run = ledger.run(run_id)
    assert run["status"] == "failed" and "Parquet" in run["summary"]["error"]
    assert run["summary"]["notes"][0] == "rebuilding: rebuild requested"
    assert not any("published" in note for note in run["summary"]["notes"])


@pytest.mark.prefect
def test_a_second_run_is_refused_at_the_command_line_while_one_holds_the_lock(prefect_harness, tmp_path, capsys):
    from yotbench.lock import RunLock

    config = RunConfig(data_dir=tmp_path / "data")
    config.data_dir.mkdir()
    with RunLock(config.lock_path, "r-first"):
        assert main(["run", "--data-dir", str(config.data_dir)]) == 1
    out, err = capsys.readouterr()
    assert f"{config.data_dir} is in use by run r-first" in out + err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_stage_says_it_is_running_on_a_terminal_and_stays_quiet_in_ci(tmp_path, monkeypatch):
    record = RunRecord("r1", RunConfig(data_dir=tmp_path))
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.delenv("CI", raising=False)
    with record.timing("marts"):
        pass
    assert re.fullmatch(r"  marts \.\.\.\r  marts \d+\.\d s\n", terminal.getvalue())
    assert set(record.stages) == {"marts"}

    monkeypatch.setenv("CI", "true")
    quiet = _Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    with pytest.raises(ValueError), record.timing("gaps"):
        raise ValueError("boom")
    assert quiet.getvalue() == ""
    assert "gaps" not in record.stages  # a stage that failed has no time


def test_prefect_console_lines_carry_no_traceback_and_the_record_keeps_it():
    import logging
    import sys

    from prefect.logging.handlers import PrefectConsoleHandler

    from yotbench.cli import _console_without_tracebacks

    _console_without_tracebacks()
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("prefect.flow_runs").makeRecord(
            "prefect.flow_runs",
            logging.ERROR,
            __file__,
            1,
            "Encountered exception: %r",
            ("boom",),
            sys.exc_info(),
            extra={"flow_run_name": "keen-hog", "flow_run_id": "0"},
        )
    line = handler.format(record)
    assert "Encountered exception: 'boom'" in line and "Traceback" not in line and "\n" not in line
    # the record itself is untouched: the Prefect API handler formats it with its traceback
    assert record.exc_info[0] is ValueError
    assert "Traceback (most recent call last)" in logging.Formatter().format(record)


def test_a_data_folder_that_does_not_exist_is_an_error_not_a_new_store(tmp_path, capsys):
    typo = tmp_path / "dta"
    assert main(["run", "--data-dir", str(typo)]) == 1
    err = capsys.readouterr().err
    assert f"yotbench run: {typo} does not exist" in err and "--sample-if-empty" in err
    assert not typo.exists()
    afile = tmp_path / "afile"
    afile.write_text("not a folder", encoding="utf-8")
    for extra in ([], ["--sample-if-empty"]):
        assert main(["run", "--data-dir", str(afile), *extra]) == 1
        assert f"yotbench run: {afile} is a file, not a data folder" in capsys.readouterr().err


@pytest.mark.prefect
def test_a_damaged_ledger_fails_the_run_with_one_line_of_why(prefect_harness, tmp_path, capsys):
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    (data / "ledger.sqlite").write_bytes(b"this is not a database" * 100)

    assert main(["run", "--data-dir", str(data)]) == 1

    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("yotbench run failed: DatabaseError: file is not a database (traceback in ")


def test_a_run_that_publishes_nothing_names_the_outputs_in_its_own_data_folder(tmp_path):
    # the folder was copied or moved since the run that published: its paths are rebased, not repeated
    from yotbench.pipeline import published_outputs

    config = RunConfig(data_dir=tmp_path / "moved")
    with Ledger(config.ledger_path) as ledger:
        assert published_outputs(ledger, config) == {}
        ledger.start_run("r1")
        ledger.finish_run(
            "r1",
            "published",
            {
                "data_dir": "/srv/old/data",
                "outputs": {
                    "marts": "/srv/old/data/marts/yotbench.duckdb",
                    "briefings": ["/srv/old/data/briefings/yos-2018_a", "/elsewhere/b"],
                    "parquet": "/srv/old/data/parquet",
                },
            },
        )
        found = published_outputs(ledger, config)
    assert found == {
        "marts": str(config.data_dir / "marts" / "yotbench.duckdb"),
        "briefings": [str(config.data_dir / "briefings" / "yos-2018_a"), "/elsewhere/b"],
    }
