"""A structural problem hides no other problem, and adds none.

Issue 3 asks errors.csv for every problem found, not just the first. A submission with a
missing column, file or sheet is still checked on what it could supply: every rule that reads
only what is there runs, and a rule that reads a column that could not be read is skipped (it
would otherwise report each row against a blank). Each submission is the passing fixture
pass_csv with changes (cases are rows 2-5 of cases.csv; answers run C001 2-64, C002 65-127,
C003 128-180, C004 181-233).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import xlsxwriter

from yotbench.config import RunConfig
from yotbench.ingest import discover, read_submission
from yotbench.pipeline import land_batch, rules_hash
from yotbench.validation import validate_submissions

PASS_CSV = Path(__file__).parents[1] / "fixtures" / "submissions" / "pass_csv"
TABLES = ("inspection", "cases", "answers", "ratings")


def _rows(table: str) -> list[dict[str, str]]:
    with (PASS_CSV / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _csv(rows: list[dict[str, str]], drop: str | None = None) -> str:
    columns = [c for c in rows[0] if c != drop]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _submission(raw_dir: Path, name: str, files: dict[str, str | bytes | None]) -> None:
    """pass_csv as `name`, with each file in `files` rewritten (None: removed)."""
    folder = raw_dir / name
    shutil.copytree(PASS_CSV, folder)
    for table, content in files.items():
        path = folder / f"{table}.csv"
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _edited(table: str, row: int, column: str, value: str) -> list[dict[str, str]]:
    """The table's rows with spreadsheet row `row` (header = 1) given `value` in `column`."""
    rows = _rows(table)
    rows[row - 2][column] = value
    return rows


def _found(raw_dir: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    """name -> (file, row, column, rule) of every error: structure first, then the gate's, as settled."""
    raws = [read_submission(sub) for sub in discover(raw_dir)]
    found = validate_submissions(raws, config=RunConfig(data_dir=tmp_path / "data"), run_id="r1")
    return {
        raw.submission.name: [
            (p.file.removeprefix(raw.submission.name).removeprefix("/"), p.row, p.column, p.rule)
            for p in raw.problems + found[raw.submission.name][0]
        ]
        for raw in raws
    }


def test_a_missing_column_or_file_still_reports_the_other_problems(tmp_path):
    raw_dir = tmp_path / "raw"
    # cases without its gender column; an answer 'maybe' (C001's 6th answer); an impossible date
    _submission(
        raw_dir,
        "no_gender",
        {
            "cases": _csv(_rows("cases"), drop="gender"),
            "answers": _csv(_edited("answers", 7, "answer", "maybe")),
            "inspection": _csv(_edited("inspection", 2, "published", "2019-02-30")),
        },
    )
    # answers is not a text file; C004 is 25 and C002's case_type is not a code
    cases = _edited("cases", 5, "age", "25")
    cases[1]["case_type"] = "borstal"
    _submission(raw_dir, "binary_answers", {"answers": b"\x89PNG\r\n\x1a\n\x00" * 50, "cases": _csv(cases)})
    # answers has no answer column, and a question that is not in the framework
    _submission(raw_dir, "no_answer_column", {"answers": _csv(_edited("answers", 6, "question_id", "9.9.9"), "answer")})
    # cases has no case_ref column (the key answers join on); ratings names an unknown standard
    _submission(
        raw_dir,
        "no_case_ref",
        {"cases": _csv(_rows("cases"), drop="case_ref"), "ratings": _csv(_edited("ratings", 3, "standard_id", "7.7"))},
    )
    # no inspection file at all; C003's looked_after is not a code
    _submission(raw_dir, "no_inspection", {"inspection": None, "cases": _csv(_edited("cases", 4, "looked_after", "?"))})

    found = _found(raw_dir, tmp_path)

    # structural problems first (what to fix before anything else), then the gate's in file order
    assert found["no_gender"] == [
        ("cases.csv", 1, "gender", "column_missing"),
        ("inspection.csv", 2, "published", "date_invalid"),
        ("answers.csv", 7, "answer", "code_not_in_set"),
    ]
    # nothing about answers beyond the file itself: no "case has no answers", no "answer missing"
    assert found["binary_answers"] == [
        ("answers.csv", None, None, "file_not_text"),
        ("cases.csv", 3, "case_type", "code_not_in_set"),
        ("cases.csv", 5, "age", "value_out_of_range"),
    ]
    # neither value_missing for each answer, nor na rules, nor "every answer na"
    assert found["no_answer_column"] == [
        ("answers.csv", 1, "answer", "column_missing"),
        ("answers.csv", 6, "question_id", "question_unknown"),
    ]
    # no reference_unknown for every answer, no case_without_answers, no answer_missing
    assert found["no_case_ref"] == [
        ("cases.csv", 1, "case_ref", "column_missing"),
        ("ratings.csv", 3, "standard_id", "standard_unknown"),
    ]
    # without a framework no framework rule can run; the cells still are checked
    assert found["no_inspection"] == [
        ("inspection.csv", None, None, "file_missing"),
        ("cases.csv", 4, "looked_after", "code_not_in_set"),
    ]


def test_a_workbook_without_a_sheet_still_reports_the_other_sheets_problems(tmp_path):
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    sheets = {table: _rows(table) for table in TABLES if table != "cases"}
    sheets["answers"][64]["answer"] = "perhaps"  # spreadsheet row 66: C002's second answer
    book = xlsxwriter.Workbook(raw_dir / "no_cases.xlsx", {"strings_to_numbers": False})
    for table, rows in sheets.items():
        sheet = book.add_worksheet(table)
        sheet.write_row(0, 0, list(rows[0]))
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, list(row.values()))
    book.close()

    found = _found(raw_dir, tmp_path)

    assert found["no_cases.xlsx"] == [("", None, None, "sheet_missing"), ("[answers]", 66, "answer", "code_not_in_set")]


def test_a_batch_lands_the_good_and_quarantines_a_broken_one_with_all_its_problems(tmp_path):
    raw_dir = tmp_path / "raw"
    shutil.copytree(PASS_CSV, raw_dir / "good")
    _submission(
        raw_dir,
        "broken",
        {"cases": _csv(_rows("cases"), drop="gender"), "answers": _csv(_edited("answers", 7, "answer", "maybe"))},
    )
    config = RunConfig(data_dir=tmp_path / "data")

    outcomes = {o.name: o for o in land_batch(discover(raw_dir), config, "r1", rules_hash())}
    broken, good = outcomes["broken"], outcomes["good"]

    assert (broken.status, good.status) == ("rejected", "landed")
    errors = (config.data_dir / broken.quarantine_path / "errors.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[:5] for line in errors[1:]] == [
        ["broken/cases.csv", "1", "gender", "", "column_missing"],
        ["broken/answers.csv", "7", "answer", "maybe", "code_not_in_set"],
    ]
    # read = landed + quarantined, per table, for both
    assert broken.tables == {
        "inspections": (1, 0, 1),
        "cases": (4, 0, 4),
        "answers": (232, 0, 232),
        "ratings": (5, 0, 5),
    }
    assert good.tables == {
        "inspections": (1, 1, 0),
        "cases": (4, 4, 0),
        "answers": (232, 232, 0),
        "ratings": (5, 5, 0),
    }
    # the broken submission's results are in the run's saved validation results (and so its Data Docs)
    assert sorted(p.name for p in (config.validation_dir / "r1" / "results").iterdir()) == [
        "2-submissions-from-good.json"
    ]


def test_every_rule_names_the_contract_columns_it_reads():
    from yotbench.expectations import build_suites
    from yotbench.records import load_record_schemas

    columns = {f"{table}.{name}" for table, schema in load_record_schemas().items() for name in schema.columns}
    for frame, suite in build_suites().items():
        for expectation in suite["expectations"]:
            needs = expectation["meta"].get("needs")
            rule = expectation["meta"]["rule"]
            assert needs, f"{frame}: {rule} does not say which columns it reads"
            assert all(n in columns or n == "{table}.{column}" for n in needs), (rule, needs)


def test_removing_any_one_required_column_or_file_reports_exactly_that(tmp_path):
    # the base is valid, so anything besides the one structural problem would be a rule run on a
    # column that was not there; all in one batch, as the flow checks them
    from yotbench.records import load_record_schemas

    raw_dir = tmp_path / "raw"
    expected = {}
    for table, schema in load_record_schemas().items():
        for column in schema.required_columns:
            name = f"no_{table}_{column}"
            _submission(raw_dir, name, {table: _csv(_rows(table), drop=column)})
            expected[name] = [(f"{table}.csv", 1, column, "column_missing")]
        name = f"no_{table}_file"
        _submission(raw_dir, name, {table: None})
        expected[name] = [] if schema.optional_table else [(f"{table}.csv", None, None, "file_missing")]
        name = f"empty_{table}"
        _submission(raw_dir, name, {table: _csv(_rows(table)).splitlines(keepends=True)[0]})
        expected[name] = [(f"{table}.csv", None, None, "rows_too_few")] if schema.min_rows else []
    # an answers file with a header alone is read: it is not a structural problem, and each case has no answers
    expected["empty_answers"] = [("cases.csv", row, "case_ref", "case_without_answers") for row in (2, 3, 4, 5)]

    found = _found(raw_dir, tmp_path)

    assert len(expected) == 30
    assert {name: found[name] for name in expected} == expected


def test_two_files_that_differ_only_in_case_are_ambiguous_and_neither_is_read(tmp_path):
    raw_dir = tmp_path / "raw"
    _submission(raw_dir, "two_answers", {"cases": _csv(_edited("cases", 4, "looked_after", "?"))})
    # beside answers.csv, a copy with every answer 'maybe': reading either one alone would be a guess
    maybe = [row | {"answer": "maybe"} for row in _rows("answers")]
    (raw_dir / "two_answers" / "ANSWERS.csv").write_text(_csv(maybe), encoding="utf-8")
    (raw_dir / "empty.xlsx").write_bytes(b"")
    found = _found(raw_dir, tmp_path)
    assert found["two_answers"] == [
        ("answers.csv", None, None, "file_ambiguous"),
        ("cases.csv", 4, "looked_after", "code_not_in_set"),
    ]
    raws = {raw.submission.name: raw for raw in (read_submission(sub) for sub in discover(raw_dir))}
    assert raws["two_answers"].problems[0].message == (
        "two_answers has 2 files that read as answers.csv (ANSWERS.csv, answers.csv): keep one"
    )
    assert found["empty.xlsx"] == [("", None, None, "file_empty")]  # the workbook itself


def test_dates_after_today_and_publication_before_fieldwork_ended_are_errors(tmp_path):
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    raw_dir = tmp_path / "raw"
    # fieldwork ends tomorrow: a typo (2031 for 2021) would open a financial year of its own
    tomorrow = str(today + timedelta(days=1))
    ahead = _edited("inspection", 2, "fieldwork_end", tomorrow)
    ahead[0]["published"] = ""
    _submission(raw_dir, "ends_tomorrow", {"inspection": _csv(ahead)})
    # fieldwork ends today, published today: both allowed
    now = _edited("inspection", 2, "fieldwork_end", str(today))
    now[0]["published"] = str(today)
    _submission(raw_dir, "ends_today", {"inspection": _csv(now)})
    # published three days before the last day of fieldwork
    _submission(raw_dir, "published_early", {"inspection": _csv(_edited("inspection", 2, "published", "2019-03-05"))})
    found = _found(raw_dir, tmp_path)
    assert found["ends_tomorrow"] == [("inspection.csv", 2, "fieldwork_end", "date_in_future")]
    assert found["ends_today"] == []
    assert found["published_early"] == [("inspection.csv", 2, "published", "date_order")]


def test_a_bad_code_is_reported_once_as_a_bad_code(tmp_path):
    raw_dir = tmp_path / "raw"
    answers = _rows("answers")
    answers[0]["answer"] = "maybe"  # row 2: C001's key question 2.1.1, whose prompts are answered
    for row in answers[179:]:  # rows 181-233: every answer of C004
        row["answer"] = "yse"
    _submission(raw_dir, "bad_codes", {"answers": _csv(answers)})

    found = _found(raw_dir, tmp_path)["bad_codes"]

    # neither "every answer for C004 is na" (none is) nor, for each of 2.1.1's prompts, "its key
    # question is maybe": only the bad codes themselves
    assert {rule for *_, rule in found} == {"code_not_in_set"}
    assert [row for _, row, _, _ in found] == [2, *range(181, 234)]
    assert all(column == "answer" for _, _, column, _ in found)


def test_a_case_whose_answers_are_all_na_is_still_caught(tmp_path):
    raw_dir = tmp_path / "raw"
    answers = _rows("answers")
    for row in answers[179:]:  # every answer of C004
        row["answer"] = "na"
    _submission(raw_dir, "all_na", {"answers": _csv(answers)})

    found = _found(raw_dir, tmp_path)["all_na"]

    assert ("cases.csv", 5, "case_ref", "case_all_na") in found


def test_a_workbook_with_more_over_wide_rows_than_are_listed_counts_the_rest(tmp_path):
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    book = xlsxwriter.Workbook(raw_dir / "wide.xlsx", {"strings_to_numbers": False})
    for table in TABLES:
        rows = _rows(table)
        sheet = book.add_worksheet(table)
        sheet.write_row(0, 0, list(rows[0]))
        for i, row in enumerate(rows, start=1):
            # 60 answers rows (spreadsheet rows 2-61) with a value in a column beyond the header
            extra = ["stray"] if table == "answers" and i <= 60 else []
            sheet.write_row(i, 0, [*row.values(), *extra])
    book.close()

    raw = read_submission(discover(raw_dir)[0])

    wide = [p for p in raw.problems if p.rule == "row_field_count"]
    assert [p.row for p in wide[:-1]] == list(range(2, 52))  # the first 50 listed, one row each
    assert (wide[-1].row, wide[-1].count, wide[-1].message) == (
        None,
        10,
        "10 more rows have values beyond the header's columns",
    )
