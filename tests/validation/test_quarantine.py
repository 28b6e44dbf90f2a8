"""What happens to a submission after the gate, through pipeline.process_submission (no Prefect)."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import copy_submission
from yotbench.config import RunConfig
from yotbench.ingest import discover, read_submission
from yotbench.ledger import Ledger
from yotbench.pipeline import process_submission, rules_hash

CORPUS = Path(__file__).parents[1] / "fixtures" / "submissions"


def _digest(path: Path) -> dict[str, str]:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _process(config: RunConfig, name: str, run_id: str = "r1"):
    config.raw_dir.mkdir(parents=True, exist_ok=True)
    copy_submission(CORPUS / name, config.raw_dir)
    sub = next(s for s in discover(config.raw_dir) if s.name == name)
    return process_submission(sub, config, run_id, rules_hash())


def test_a_rejected_submission_is_quarantined_whole_with_every_problem(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    outcome = _process(config, "cases_fail_case_all_na")

    assert outcome.status == "rejected"
    target = config.quarantine_dir / "r1" / "cases_fail_case_all_na"
    assert outcome.quarantine_path == "quarantine/r1/cases_fail_case_all_na"
    copied = {k: v for k, v in _digest(target).items() if k not in ("errors.csv", "README.txt")}
    assert copied == _digest(CORPUS / "cases_fail_case_all_na")
    with (target / "errors.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 27 == len(outcome.problems)
    assert list(rows[0]) == ["file", "row", "column", "value", "rule", "message"]
    assert (rows[0]["file"], rows[0]["row"], rows[0]["rule"]) == (
        "cases_fail_case_all_na/cases.csv",
        "5",
        "case_all_na",
    )
    readme = (target / "README.txt").read_text()
    assert "Rules broken (problems): case_all_na (1), na_not_allowed (26)." in readme
    assert not (config.parquet_dir).exists()
    with Ledger(config.ledger_path) as ledger:
        (record,) = ledger.history()
        assert (record.status, record.error_count) == ("rejected", 27)
        assert ledger.table_counts(record.id) == {
            "inspections": (1, 0, 1),
            "cases": (4, 0, 4),
            "answers": (232, 0, 232),
            "ratings": (5, 0, 5),
        }


def test_a_formula_in_errors_csv_is_made_inert(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    outcome = _process(config, "inspection_fail_text_formula")
    with (config.data_dir / outcome.quarantine_path / "errors.csv").open(newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["value"] == '\'=HYPERLINK("http://example.org","Ashford")'
    assert outcome.problems[0].value == '=HYPERLINK("http://example.org","Ashford")'


def test_embedded_newlines_land_as_written(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    outcome = _process(config, "pass_embedded_newline")
    assert outcome.status == "landed"
    with Ledger(config.ledger_path) as ledger:
        files = ledger.current()[0].files
    provider = pq.read_table(config.data_dir / files["inspections"]).column("provider").to_pylist()
    reason = pq.read_table(config.data_dir / files["ratings"]).column("reason").to_pylist()
    assert provider == ["Ashford Youth Offending Service\n(North and West teams)"]
    assert reason[-1] == "Professional discretion:\nlowest key question 78.9%, within five points"


@pytest.mark.parametrize(
    "name",
    [
        "answers_fail_file_not_text",
        "inspection_fail_file_not_utf8",
        "cases_fail_file_unreadable.xlsx",
        "cases_fail_row_field_count",
        "cases_fail_file_empty",
        "cases_fail_rows_too_few",
        "cases_fail_file_delimiter",
        "answers_fail_file_not_utf8",
    ],
)
def test_files_that_are_not_what_they_claim_are_rejected_with_a_plain_message(tmp_path, name):
    outcome = _process(RunConfig(data_dir=tmp_path), name)
    assert outcome.status == "rejected"
    assert outcome.problems and all("Traceback" not in p.message and name in p.file for p in outcome.problems)


def test_a_quote_left_open_is_named_at_its_row_not_read_to_the_end(tmp_path):
    # pyarrow would read from the open quote to the end of the file as one value
    raw_dir = tmp_path / "raw"
    shutil.copytree(CORPUS / "pass_csv", raw_dir / "open_quote")
    cases = raw_dir / "open_quote" / "cases.csv"
    lines = cases.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("C002,", '"C002,', 1)
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw = read_submission(discover(raw_dir)[0])
    assert [(p.file, p.row, p.rule) for p in raw.problems] == [("open_quote/cases.csv", 3, "row_quoting")]
    assert raw.problems[0].value == lines[2]


def test_a_submission_with_its_own_errors_csv_and_readme_is_kept_whole_beside_the_new_ones(tmp_path):
    # e.g. a quarantined folder dropped back into raw/ unfixed: its old errors.csv and README.txt are
    # part of what was received, so they are copied unchanged, not overwritten by this run's
    config = RunConfig(data_dir=tmp_path)
    first = _process(config, "cases_fail_case_all_na", run_id="r1")
    returned = config.raw_dir / "returned"
    shutil.copytree(config.data_dir / first.quarantine_path, returned)
    (returned / "README.txt").write_text("notes from the service\n", encoding="utf-8")
    sub = next(s for s in discover(config.raw_dir) if s.name == "returned")

    outcome = process_submission(sub, config, "r2", rules_hash())

    target = config.data_dir / outcome.quarantine_path
    assert outcome.status == "rejected"
    assert _digest(target / "submission") == _digest(returned)
    assert (target / "submission" / "README.txt").read_text() == "notes from the service\n"
    assert sorted(p.name for p in target.iterdir()) == ["README.txt", "errors.csv", "submission"]
    readme = (target / "README.txt").read_text()
    assert "The folder submission/ holds an unchanged copy of what was received" in readme
    with (target / "errors.csv").open(newline="", encoding="utf-8") as handle:
        assert {row["file"].split("/")[0] for row in csv.DictReader(handle)} == {"returned"}


def test_a_later_run_says_where_an_unchanged_rejected_submissions_errors_are(tmp_path):
    from yotbench.pipeline import make_plan
    from yotbench.report import RunRecord, format_summary

    config = RunConfig(data_dir=tmp_path)
    _process(config, "cases_fail_case_all_na", run_id="r1")
    record = RunRecord("r2", config)
    with Ledger(config.ledger_path) as ledger:
        record.plan(make_plan(config, ledger, rules_hash()))

    summary = record.as_dict()
    assert summary["awaiting_quarantine"] == {"cases_fail_case_all_na": "quarantine/r1/cases_fail_case_all_na"}
    lines = format_summary(summary).splitlines()
    # the counts add up: what was seen is landed, skipped, rejected or awaiting correction
    assert lines[1] == "  submissions: 1 seen, 0 landed, 0 skipped (unchanged), 0 rejected, 1 awaiting correction"
    start = lines.index("  awaiting correction (rejected earlier, unchanged since):")
    assert lines[start + 1] == (
        f"    cases_fail_case_all_na: errors in {tmp_path}/quarantine/r1/cases_fail_case_all_na/errors.csv"
    )


def test_status_lists_what_raw_holds_as_it_was_rejected(tmp_path):
    import shutil

    from yotbench.ops import status_text

    config = RunConfig(data_dir=tmp_path)
    _process(config, "cases_fail_case_all_na", run_id="r1")
    _process(config, "pass_csv", run_id="r1")
    where = tmp_path / "quarantine/r1/cases_fail_case_all_na/errors.csv"
    text = status_text(config)
    assert "  awaiting correction (1):" in text
    assert f"rejected in run r1; see {where}" in text.split("cases_fail_case_all_na: ")[1]
    # pass_csv edited badly (rejected in r2), then put back as it landed: nothing of it awaits
    landed = (config.raw_dir / "pass_csv" / "cases.csv").read_bytes()
    (config.raw_dir / "pass_csv" / "cases.csv").write_bytes(landed.replace(b"court", b"courtroom", 1))
    sub = next(s for s in discover(config.raw_dir) if s.name == "pass_csv")
    assert process_submission(sub, config, "r2", rules_hash()).status == "rejected"
    assert "    pass_csv: " in status_text(config)
    (config.raw_dir / "pass_csv" / "cases.csv").write_bytes(landed)
    assert "    pass_csv: " not in status_text(config)
    # the rejected entry removed from raw/: nothing awaits
    shutil.rmtree(config.raw_dir / "cases_fail_case_all_na")
    assert "  awaiting correction: none" in status_text(config)


def test_status_counts_each_landed_inspection_once_by_framework(tmp_path):
    from yotbench.ops import status_text

    config = RunConfig(data_dir=tmp_path)
    assert _process(config, "pass_csv").status == "landed"
    assert _process(config, "cases_fail_case_all_na").status == "rejected"  # not landed: not counted
    # the same inspection (fix-0001) landed again under another name: it supersedes, it is not a second
    assert _process(config, "pass_no_ratings", run_id="r2").status == "landed"
    assert "  landed inspections: 1 yos-2018\n" in status_text(config) + "\n"


def test_the_summary_says_what_a_landed_submissions_warnings_are(tmp_path):
    from yotbench.report import RunRecord, format_summary

    config = RunConfig(data_dir=tmp_path)
    record = RunRecord("r1", config)
    record.add(_process(config, "pass_unexpected_column"))
    record.add(_process(config, "pass_csv"))

    lines = format_summary(record.as_dict()).splitlines()

    start = lines.index("  pass_unexpected_column: landed with 1 warning(s)")
    assert lines[start + 1].startswith("    - pass_unexpected_column/cases.csv row 1, column team: ")
    assert lines[start + 1].endswith("[column_unexpected]")
    assert not any(line.startswith("  pass_csv:") for line in lines)


def test_a_symbolic_link_in_a_rejected_submission_is_quarantined_as_a_link(tmp_path):
    # a link to a device or a large file elsewhere is copied as the link, never as what it points to
    config = RunConfig(data_dir=tmp_path / "data")
    config.raw_dir.mkdir(parents=True)
    copy_submission(CORPUS / "cases_fail_case_all_na", config.raw_dir)
    elsewhere = tmp_path / "elsewhere.bin"
    elsewhere.write_bytes(b"\0" * 100_000)
    (config.raw_dir / "cases_fail_case_all_na" / "notes.bin").symlink_to(elsewhere)
    sub = next(s for s in discover(config.raw_dir) if s.name == "cases_fail_case_all_na")

    outcome = process_submission(sub, config, "r1", rules_hash())

    copied = config.data_dir / outcome.quarantine_path / "notes.bin"
    assert outcome.status == "rejected"
    assert copied.is_symlink() and copied.readlink() == elsewhere
