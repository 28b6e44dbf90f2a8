"""The one-screen summary `yotbench run` prints."""

from __future__ import annotations

from yotbench.config import RunConfig
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


def test_a_failed_run_ends_with_why(tmp_path):
    record = RunRecord("r1", RunConfig(data_dir=tmp_path))
    record.error = "ValueError: boom"
    assert format_summary(record.as_dict()).splitlines()[-1] == "  FAILED: ValueError: boom"
