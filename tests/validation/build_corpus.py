"""Write the validation corpus: one small passing submission, and one failing copy per rule.

Run from the repository root to regenerate (the files are committed; tests read them):

    .venv/bin/python tests/validation/build_corpus.py

Each fixture is named for its outcome: `<table>_fail_<rule>` (the file the problem is
reported against, and the rule), or `pass_<what>`. A failing fixture is the base with
one change, so the rows tests expect are easy to check by eye: cases are rows 2-5 of
cases.csv, and answers run in framework order, case by case.
"""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "tests" / "fixtures" / "submissions"
sys.path.insert(0, str(ROOT))

from yotbench.frameworks import load_frameworks  # noqa: E402

INSPECTION = [
    {
        "inspection_id": "fix-0001",
        "framework": "yos-2018",
        "provider": "Ashford Youth Offending Service",
        "region": "North East",
        "nation": "england",
        "fieldwork_start": "2019-03-04",
        "fieldwork_end": "2019-03-08",
        "published": "2019-06-10",
    }
]
CASES = [
    {
        "case_ref": "C001",
        "case_type": "court",
        "disposal": "referral_order",
        "gender": "male",
        "ethnicity": "white",
        "looked_after": "no",
        "age": "15",
        "rosh": "medium",
        "safety_wellbeing": "medium",
    },
    {
        "case_ref": "C002",
        "case_type": "court",
        "disposal": "youth_rehabilitation_order",
        "gender": "female",
        "ethnicity": "black",
        "looked_after": "yes",
        "age": "16",
        "rosh": "high",
        "safety_wellbeing": "high",
    },
    {
        "case_ref": "C003",
        "case_type": "out_of_court",
        "disposal": "youth_conditional_caution",
        "gender": "male",
        "ethnicity": "asian",
        "looked_after": "no",
        "age": "14",
        "rosh": "low",
        "safety_wellbeing": "medium",
    },
    {
        "case_ref": "C004",
        "case_type": "out_of_court",
        "disposal": "youth_caution",
        "gender": "other",
        "ethnicity": "mixed",
        "looked_after": "unknown",
        "age": "17",
        "rosh": "not_known",
        "safety_wellbeing": "low",
    },
]
RATINGS = [
    {"standard_id": "1.1", "rating": "good", "kind": "judgement", "reason": ""},
    {"standard_id": "1.2", "rating": "good", "kind": "judgement", "reason": ""},
    {"standard_id": "1.3", "rating": "requires_improvement", "kind": "judgement", "reason": ""},
    {"standard_id": "1.4", "rating": "good", "kind": "judgement", "reason": ""},
    {"standard_id": "2.1", "rating": "outstanding", "kind": "override", "reason": "Professional discretion, 78.9%"},
]


def base_answers() -> list[dict]:
    framework = load_frameworks()["yos-2018"]
    rows = []
    for case in CASES:
        key_answer = {}
        for i, q in enumerate(q for q in framework.questions() if case["case_type"] in q.case_types):
            relevant = not (q.question_id.startswith("3.4.2") and case["disposal"] != "youth_conditional_caution")
            prompt_of_na = key_answer.get(q.parent_id) == "na"  # a prompt of a key question answered na is na
            if not relevant or prompt_of_na or (q.na_allowed and i % 3 == 0):
                answer = "na"
            else:
                answer = "no" if i % 4 == 3 else "yes"
            key_answer[q.question_id] = answer
            rows.append({"case_ref": case["case_ref"], "question_id": q.question_id, "answer": answer})
    return rows


def base() -> dict[str, list[dict]]:
    return {
        "inspection": [dict(r) for r in INSPECTION],
        "cases": [dict(r) for r in CASES],
        "answers": base_answers(),
        "ratings": [dict(r) for r in RATINGS],
    }


def write_csv_folder(name: str, tables: dict[str, list[dict] | str | bytes]) -> None:
    folder = HERE / name
    folder.mkdir()
    for table, rows in tables.items():
        path = folder / f"{table}.csv"
        if isinstance(rows, bytes):
            path.write_bytes(rows)
        elif isinstance(rows, str):
            path.write_text(rows, encoding="utf-8", newline="")
        else:
            path.write_text(to_csv(rows), encoding="utf-8", newline="")


def to_csv(rows: list[dict], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or list(rows[0]), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_workbook(name: str, tables: dict[str, list[dict]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(HERE / name, {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"created": datetime.datetime(2019, 6, 10)})  # the same bytes on every rebuild
    for table, rows in tables.items():
        sheet = book.add_worksheet(table)
        header = list(rows[0]) if rows else []
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, [row[h] for h in header])
    book.close()


def answer_index(tables, case_ref: str, question_id: str) -> int:
    return next(
        i for i, a in enumerate(tables["answers"]) if a["case_ref"] == case_ref and a["question_id"] == question_id
    )


def fixtures() -> dict[str, dict]:
    """Fixture name -> tables (rows, or raw text/bytes for a file)."""
    out: dict[str, dict] = {}

    def variant(name, change):
        tables = base()
        change(tables)
        out[name] = tables

    out["pass_csv"] = base()
    variant("pass_no_ratings", lambda t: t.pop("ratings"))

    def normalised(t):
        t["cases"][0]["gender"] = " Male "
        t["cases"][2]["case_type"] = "Out of court"
        t["answers"][0]["answer"] = "Yes"
        t["answers"][3]["answer"] = "N/A" if t["answers"][3]["answer"] == "na" else t["answers"][3]["answer"]
        t["inspection"][0]["provider"] = "  Ashford Youth Offending Service"

    variant("pass_normalised", normalised)

    def embedded_newline(t):
        t["inspection"][0]["provider"] = "Ashford Youth Offending Service\n(North and West teams)"
        t["ratings"][4]["reason"] = "Professional discretion:\nlowest key question 78.9%, within five points"

    variant("pass_embedded_newline", embedded_newline)

    def unexpected_column(t):
        for row in t["cases"]:
            row["team"] = "north"

    variant("pass_unexpected_column", unexpected_column)

    # cell rules
    variant("cases_fail_value_missing", lambda t: t["cases"][1].update(gender=""))
    variant("cases_fail_code_not_in_set", lambda t: t["cases"][1].update(gender="M"))
    variant("answers_fail_code_not_in_set", lambda t: t["answers"][5].update(answer="maybe"))
    variant("inspection_fail_date_not_iso", lambda t: t["inspection"][0].update(fieldwork_start="04/03/2019"))
    variant("inspection_fail_date_invalid", lambda t: t["inspection"][0].update(published="2019-02-30"))
    variant("cases_fail_not_an_integer", lambda t: t["cases"][2].update(age="fourteen"))
    variant(
        "inspection_fail_text_formula",
        lambda t: t["inspection"][0].update(provider='=HYPERLINK("http://example.org","Ashford")'),
    )
    # inspection
    variant("inspection_fail_value_pattern", lambda t: t["inspection"][0].update(inspection_id="fix 0001"))
    variant("inspection_fail_framework_unknown", lambda t: t["inspection"][0].update(framework="yos-2099"))
    variant("inspection_fail_date_order", lambda t: t["inspection"][0].update(fieldwork_end="2019-03-01"))
    variant("inspection_fail_date_in_future", lambda t: t["inspection"][0].update(published="2999-06-10"))
    out["inspection_fail_inspection_id_unique"] = base()  # fails once a later-received copy has landed

    # cases
    def case_ref(t, old, new):
        for row in t["cases"] + t["answers"]:
            if row["case_ref"] == old:
                row["case_ref"] = new

    variant("cases_fail_value_pattern", lambda t: case_ref(t, "C002", "C0\n02"))
    variant("cases_fail_value_too_long", lambda t: case_ref(t, "C002", "C" + "0" * 64 + "2"))
    variant("cases_fail_value_out_of_range", lambda t: t["cases"][3].update(age="9"))
    variant("cases_fail_key_duplicated", lambda t: t["cases"].append(dict(t["cases"][0], age="16")))
    variant("cases_fail_case_without_answers", lambda t: t["cases"].append(dict(t["cases"][0], case_ref="C005")))

    def all_na(t):
        for row in t["answers"]:
            if row["case_ref"] == "C004":
                row["answer"] = "na"

    variant("cases_fail_case_all_na", all_na)

    def missing_answer(t):
        del t["answers"][answer_index(t, "C002", "2.1.1.a")]

    variant("cases_fail_answer_missing", missing_answer)

    # answers
    variant("answers_fail_key_duplicated", lambda t: t["answers"].insert(10, dict(t["answers"][2])))
    variant(
        "answers_fail_reference_unknown",
        lambda t: t["answers"].append({"case_ref": "C999", "question_id": "2.1.1", "answer": "yes"}),
    )
    variant("answers_fail_question_unknown", lambda t: t["answers"][4].update(question_id="2.1.9"))

    def wrong_case_type(t):
        t["answers"].insert(
            answer_index(t, "C002", "2.1.1"), {"case_ref": "C001", "question_id": "3.1.1", "answer": "yes"}
        )

    variant("answers_fail_question_not_for_case_type", wrong_case_type)
    variant(
        "answers_fail_na_not_allowed", lambda t: t["answers"][answer_index(t, "C001", "2.1.1.a")].update(answer="na")
    )
    variant(
        "answers_fail_prompt_without_key_question",
        lambda t: t["answers"][answer_index(t, "C001", "2.2.2")].update(answer="na"),
    )
    variant(
        "answers_fail_answer_not_relevant",
        lambda t: t["answers"][answer_index(t, "C004", "3.4.2")].update(answer="yes"),
    )

    # ratings
    variant(
        "ratings_fail_standard_unknown",
        lambda t: t["ratings"].append({"standard_id": "5.1", "rating": "good", "kind": "judgement", "reason": ""}),
    )
    variant(
        "ratings_fail_rating_judgement_not_judged",
        lambda t: t["ratings"].append({"standard_id": "2.2", "rating": "good", "kind": "judgement", "reason": ""}),
    )
    variant(
        "ratings_fail_rating_override_not_case",
        lambda t: t["ratings"].append(
            {"standard_id": "1.1", "rating": "outstanding", "kind": "override", "reason": "panel"}
        ),
    )
    variant("ratings_fail_key_duplicated", lambda t: t["ratings"].append(dict(t["ratings"][0], rating="inadequate")))
    variant("ratings_fail_code_not_in_set", lambda t: t["ratings"][1].update(rating="satisfactory"))
    return out


def structural() -> dict[str, dict]:
    """Fixtures for the structural stage (yotbench/ingest.py): files that are not what they claim."""
    b = base()
    text = {t: to_csv(rows) for t, rows in b.items()}
    out = {
        "answers_fail_file_missing": {k: v for k, v in text.items() if k != "answers"},
        "cases_fail_column_missing": {**text, "cases": to_csv(b["cases"], [h for h in b["cases"][0] if h != "gender"])},
        "cases_fail_file_empty": {**text, "cases": ""},
        "cases_fail_rows_too_few": {**text, "cases": text["cases"].splitlines(keepends=True)[0]},
        "inspection_fail_rows_too_many": {
            **text,
            "inspection": text["inspection"] + text["inspection"].splitlines(keepends=True)[1],
        },
        "answers_fail_file_not_text": {
            **text,
            "answers": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        },
        "inspection_fail_file_not_utf8": {
            **text,
            "inspection": text["inspection"].replace("Ashford", "Ashförd").encode("latin-1"),
        },
        "cases_fail_row_field_count": {
            **text,
            "cases": text["cases"].replace("C003,out_of_court,", "C003,out_of_court,extra,", 1),
        },
        # text after a closing quote: pyarrow alone would read the case_ref as C003x
        "cases_fail_row_quoting": {**text, "cases": text["cases"].replace("C003,", '"C003"x,', 1)},
        "cases_fail_column_duplicated": {**text, "cases": text["cases"].replace("ethnicity", "gender", 1)},
        "cases_fail_column_unnamed": {**text, "cases": text["cases"].replace(",ethnicity,", ",,", 1)},
        "answers_fail_file_not_utf8": {**text, "answers": text["answers"].encode("utf-16")},
        "cases_fail_file_delimiter": {**text, "cases": text["cases"].replace(",", ";")},
        "inspection_pass_bom": {**text, "inspection": "\ufeff" + text["inspection"]},
        "cases_pass_crlf": {**text, "cases": text["cases"].replace("\n", "\r\n")},
    }
    return out


def main() -> None:
    if HERE.exists():
        shutil.rmtree(HERE)
    HERE.mkdir(parents=True)
    for name, tables in {**fixtures(), **structural()}.items():
        write_csv_folder(name, tables)
    write_workbook("pass_xlsx.xlsx", base())
    write_workbook("cases_fail_sheet_missing.xlsx", {k: v for k, v in base().items() if k != "cases"})
    bad = base()
    bad["cases"][0]["gender"] = "M"
    write_workbook("cases_fail_code_not_in_set.xlsx", bad)
    (HERE / "cases_fail_file_unreadable.xlsx").write_bytes(b"PK\x03\x04" + b"this is not a zip archive" * 40)
    (HERE / "inspection_fail_submission_format.txt").write_text("inspection_id,framework\nfix-0001,yos-2018\n")


if __name__ == "__main__":
    main()
