"""CSV files the csv module once choked on: old Mac line endings and fields over its 128 KB limit.

Each submission is the passing fixture pass_csv with one file rewritten, read through
read_submission; a file that is valid CSV lands as written, anything else is a problem on
that file, never an exception out of the run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from yotbench.config import RunConfig
from yotbench.ingest import discover, read_submission
from yotbench.validation import validate_submission

PASS_CSV = Path(__file__).parents[1] / "fixtures" / "submissions" / "pass_csv"
LONG = 200_000  # characters: past the csv module's default field limit of 131,072


def _submission(tmp_path: Path, name: str) -> Path:
    """A copy of pass_csv named `name` in tmp_path/raw; returns its folder."""
    folder = tmp_path / "raw" / name
    shutil.copytree(PASS_CSV, folder)
    return folder


def _read(folder: Path):
    return read_submission(next(s for s in discover(folder.parent) if s.name == folder.name))


def test_cr_only_line_endings_land_as_the_same_rows(tmp_path):
    # Excel for Mac's "CSV (Macintosh)" ends every line with a bare CR
    folder = _submission(tmp_path, "mac_csv")
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    assert b"\n" not in (folder / "cases.csv").read_bytes()

    raw = _read(folder)
    expected = _read(_submission(tmp_path / "lf", "mac_csv"))

    assert raw.problems == []
    assert raw.rows_read() == {"inspection": 1, "cases": 4, "answers": 232, "ratings": 5}
    for table, frame in expected.tables.items():
        assert raw.tables[table].to_dict("records") == frame.to_dict("records"), table
    assert raw.tables["cases"].iloc[3].to_dict() == {
        "_row": 5,
        "case_ref": "C004",
        "case_type": "out_of_court",
        "disposal": "youth_caution",
        "gender": "other",
        "ethnicity": "mixed",
        "looked_after": "unknown",
        "age": "17",
        "rosh": "not_known",
        "safety_wellbeing": "low",
    }
    assert raw.tables["ratings"]["reason"].iloc[4] == "Professional discretion, 78.9%"
    assert validate_submission(raw, config=RunConfig(data_dir=tmp_path / "data"), run_id="mac") == ([], [])


def test_a_one_line_json_file_with_a_long_value_is_reported_as_missing_its_columns(tmp_path):
    folder = _submission(tmp_path, "json_ratings")
    record = {"standard_id": "1.1", "notes": "x" * LONG}  # one line, its second field 200,000 characters
    (folder / "ratings.csv").write_text(json.dumps(record) + "\n", encoding="utf-8")

    raw = _read(folder)

    assert [(p.file, p.row, p.column, p.rule) for p in raw.problems] == [
        ("json_ratings/ratings.csv", 1, "standard_id", "column_missing"),
        ("json_ratings/ratings.csv", 1, "rating", "column_missing"),
        ("json_ratings/ratings.csv", 1, "kind", "column_missing"),
    ]
    assert raw.problems[0].message == "required column 'standard_id' is missing"


def test_ragged_rows_are_named_when_an_unquoted_field_is_long(tmp_path):
    folder = _submission(tmp_path, "ragged_long")
    cases = folder / "cases.csv"
    lines = cases.read_text(encoding="utf-8").splitlines()
    assert '"' not in "".join(lines)
    lines[2] += ",extra"  # row 3: C002 with a tenth field
    lines[3] = lines[3].replace("youth_conditional_caution", "y" * LONG)  # row 4: long but nine fields
    lines[4] += "," + "z" * LONG  # row 5: C004 with a long tenth field
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")

    raw = _read(folder)

    assert [(p.file, p.row, p.rule, p.message) for p in raw.problems] == [
        ("ragged_long/cases.csv", 3, "row_field_count", "row 3 has 10 fields; the header has 9"),
        ("ragged_long/cases.csv", 5, "row_field_count", "row 5 has 10 fields; the header has 9"),
    ]
    assert raw.problems[0].value == lines[2]
    assert raw.problems[1].value == lines[4][:120]


def test_a_correctly_quoted_long_value_is_read_whole_not_called_misquoted(tmp_path):
    folder = _submission(tmp_path, "long_provider")
    inspection = folder / "inspection.csv"
    provider = ("Ashford Youth Offending Service, North and West teams " * 4000)[:LONG]
    assert len(provider) == LONG and "," in provider
    text = inspection.read_text(encoding="utf-8")
    inspection.write_text(text.replace("Ashford Youth Offending Service", f'"{provider}"', 1), encoding="utf-8")

    raw = _read(folder)

    assert raw.problems == []
    assert raw.rows_read() == {"inspection": 1, "cases": 4, "answers": 232, "ratings": 5}
    row = raw.tables["inspection"].iloc[0]
    assert (row["_row"], row["provider"], row["region"]) == (2, provider, "North East")


def test_header_and_file_names_normalised_by_case_or_spaces_are_counted_as_notices(tmp_path):
    # issue 3: normalisations that lose nothing are applied and counted as notices
    folder = _submission(tmp_path, "names")
    (folder / "answers.csv").rename(folder / "Answers.CSV")
    cases = folder / "cases.csv"
    header, rest = cases.read_text(encoding="utf-8").split("\n", 1)
    cases.write_text(header.replace("case_ref", " Case_Ref ", 1) + "\n" + rest, encoding="utf-8")
    raw = _read(folder)
    assert raw.problems == []
    notices = [str(n) for n in raw.notices]
    assert "names/Answers.CSV: file 'Answers.CSV' read as 'answers.csv'" in notices
    assert "names/cases.csv: 1 column names read as ' Case_Ref ' as 'case_ref'" in notices


def test_a_problem_names_the_file_as_it_is_on_disk(tmp_path):
    folder = _submission(tmp_path, "names")
    answers = (folder / "answers.csv").read_text(encoding="utf-8").split("\n")
    answers[6] = answers[6].rsplit(",", 1)[0] + ",maybe"  # spreadsheet row 7
    (folder / "answers.csv").unlink()
    (folder / "Answers.CSV").write_text("\n".join(answers), encoding="utf-8")
    raw = _read(folder)
    errors, _ = validate_submission(raw, config=RunConfig(data_dir=tmp_path / "data"), run_id="r1")
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in errors] == [
        ("names/Answers.CSV", 7, "answer", "maybe", "code_not_in_set")
    ]


def test_empty_lines_keep_the_rows_a_spreadsheet_shows_and_cleared_rows_are_ignored(tmp_path):
    # An empty line after C001 (a spreadsheet shows it as row 3), C003's gender 'x' (so row 5), and
    # at the end a row of commas alone: what a spreadsheet writes for a row it has cleared.
    for ending in ("\n", "\r\n"):
        folder = _submission(tmp_path / repr(ending), "gaps")
        lines = (folder / "cases.csv").read_text(encoding="utf-8").splitlines()
        lines[3] = lines[3].replace(",male,", ",x,")
        lines.insert(2, "")
        lines.append(",,,,,,,,")
        (folder / "cases.csv").write_text(ending.join(lines) + ending, encoding="utf-8", newline="")
        raw = _read(folder)
        assert raw.problems == []
        assert [str(n) for n in raw.notices] == ["gaps/cases.csv: 1 empty row(s) ignored"]
        assert raw.tables["cases"][["_row", "case_ref"]].values.tolist() == [
            [2, "C001"],
            [4, "C002"],
            [5, "C003"],
            [6, "C004"],
        ]
        errors, _ = validate_submission(raw, config=RunConfig(data_dir=tmp_path / "data"), run_id="gaps")
        assert [(e.file, e.row, e.column, e.value, e.rule) for e in errors] == [
            ("gaps/cases.csv", 5, "gender", "x", "code_not_in_set")
        ]


def test_the_quick_checks_for_empty_and_comma_only_lines_agree_with_their_patterns():
    import random
    import re

    from yotbench.ingest import _COMMAS_ONLY, _has_empty_line, _may_have_commas_only

    empty_line = re.compile(r"(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r|\n)")  # a line end, then another
    rng = random.Random(7)
    pieces = ["a", ",", "\n", "\r", " ", "\t", "\r\n"]
    for _ in range(50_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert _has_empty_line(text) == bool(empty_line.search(text)), repr(text)
        assert _may_have_commas_only(text) or not _COMMAS_ONLY.search(text), repr(text)
