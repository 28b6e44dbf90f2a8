"""The suites in schemas/expectations/ are generated from the rule files and kept in step with them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from yotbench.config import EXPECTATIONS_DIR, RECORDS_DIR
from yotbench.expectations import build_suites, render, stale_suites
from yotbench.frameworks import load_frameworks
from yotbench.records import load_record_schemas


def _expectation(suites: dict, frame: str, rule: str) -> dict:
    (found,) = [e for e in suites[frame]["expectations"] if e["meta"]["rule"] == rule]
    return found


def test_suites_on_disk_are_what_the_rule_files_generate():
    assert stale_suites() == []
    for name, suite in build_suites().items():
        assert (EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8") == render(suite)


def test_tightening_a_record_schema_changes_the_suite(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(RECORDS_DIR, records)
    cases = json.loads((records / "cases.json").read_text())
    cases["properties"]["age"]["maximum"] = 17
    (records / "cases.json").write_text(json.dumps(cases))
    codes = json.loads((records / "codes.json").read_text())
    codes["$defs"]["gender"]["enum"].append("nonbinary")
    (records / "codes.json").write_text(json.dumps(codes))

    suites = build_suites(schemas=load_record_schemas(records))

    assert _expectation(suites, "cases", "value_out_of_range")["kwargs"] == {
        "column": "age_number",
        "min_value": 10,
        "max_value": 17,
    }
    gender = [
        v
        for v in _expectation(suites, "cells", "code_not_in_set")["kwargs"]["value_set"]
        if v.startswith("cases.gender=")
    ]
    assert gender == [
        "cases.gender=female",
        "cases.gender=male",
        "cases.gender=nonbinary",
        "cases.gender=other",
        "cases.gender=unknown",
    ]


def test_framework_rules_are_value_sets_of_keys_from_the_framework_file():
    yos = {"yos-2018": load_frameworks()["yos-2018"]}
    suites = build_suites(frameworks=yos)

    questions = _expectation(suites, "answers", "question_unknown")["kwargs"]["value_set"]
    assert len(questions) == len(yos["yos-2018"].questions()) == 116
    assert "yos-2018|2.1.1.a" in questions and "yos-2018|1.1" not in questions

    applies = _expectation(suites, "answers", "question_not_for_case_type")["kwargs"]["value_set"]
    assert applies == [f"yos-2018|2.{i}|court" for i in range(1, 5)] + [
        f"yos-2018|3.{i}|out_of_court" for i in range(1, 5)
    ]

    forbidden = _expectation(suites, "answers", "na_not_allowed")["kwargs"]["value_set"]
    assert "yos-2018|2.1.1|court" in forbidden  # asked of every court case
    assert "yos-2018|2.1.1.d|court" not in forbidden  # 'Where applicable ...'
    assert "yos-2018|2.1.1|out_of_court" not in forbidden  # not a question for out-of-court cases
    assert _expectation(suites, "coverage", "answer_missing")["kwargs"]["value_set"] == forbidden
    assert len(forbidden) == 52

    relevant = _expectation(suites, "answers", "answer_not_relevant")["kwargs"]["value_set"]
    assert relevant == [
        f"yos-2018|{q}|out_of_court|disposal=youth_conditional_caution" for q in ("3.4.2.a", "3.4.2.b", "3.4.2")
    ]  # sorted

    assert _expectation(suites, "ratings", "rating_judgement_not_judged")["kwargs"]["value_set"] == [
        "yos-2018|1.1",
        "yos-2018|1.2",
        "yos-2018|1.3",
        "yos-2018|1.4",
    ]


def test_every_expectation_names_its_rule_and_message():
    for name, suite in build_suites().items():
        seen: set[str] = set()
        for expectation in suite["expectations"]:
            meta = expectation["meta"]
            assert meta["rule"] and meta["message"] and meta["column"], (name, expectation["type"])
            assert expectation["severity"] in ("critical", "warning")
            # a rule that makes another redundant comes first, so its rows are known when the other is read
            assert set(meta.get("unless", [])) <= seen, (name, meta["rule"])
            seen.add(meta["rule"])


def test_every_rule_is_documented():
    documented = (Path(__file__).parents[2] / "docs" / "validation.md").read_text(encoding="utf-8")
    rules = {e["meta"]["rule"] for suite in build_suites().values() for e in suite["expectations"]}
    rules |= {"file_too_large", "file_delimiter", "column_unexpected", "submission_format"}
    assert {rule for rule in rules if f"`{rule}`" not in documented} == set()
