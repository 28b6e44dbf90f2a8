"""The validation gate's Great Expectations suites, generated from the rule files.

The rules live in schemas/records/*.json (columns, codes, keys, bounds) and
schemas/frameworks/*.yaml (questions, case types, `na`, standards). This module
turns them into one GX suite per frame the gate builds (see validation.py) and
writes them to schemas/expectations/<frame>.json:

    python -m yotbench.expectations           # rewrite the suites
    python -m yotbench.expectations --check   # exit 1 if a suite is out of date

The JSON files are the reviewable GX form of the rules: a test fails when they
differ from what the rule files generate, so a rule is changed in its rule file
(then the suites regenerated) and nowhere else. The gate runs the generated
suites, and logs a warning if the files on disk have fallen behind, so a framework
added mid-change never runs against stale value sets.

Framework rules are value sets of keys built from the submission: a question key
`framework|question_id`, an applicability key `framework|question_id|case_type`,
and a context key that adds `|column=value` for each case column a question's
relevance depends on (`relevant_when`). Every expectation's `meta` carries the
rule name and message template errors.csv uses (see docs/validation.md).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from yotbench.config import EXPECTATIONS_DIR
from yotbench.frameworks import Framework, load_frameworks
from yotbench.records import RecordSchema, load_record_schemas

log = logging.getLogger(__name__)

SEP = "|"
SUBMISSION = "_submission"  # every frame carries the submission name, so frames of many submissions stack
FRAMES = ("cells", "inspection", "cases", "answers", "coverage", "ratings")
INTEGER_PATTERN = r"^-?[0-9]+$"
ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# suffix of the inspection frame's column of days from the day of the check to a date (validation._inspection)
DAYS_AFTER_CHECK = "_days_after_check"
FORMULA_PATTERN = r"^[=+\-@]"
ANSWERED = ("yes", "no")  # answers that count as a case having been read
NOT_APPLICABLE = "na"

# How the inspection_id of a submission stands against the landed store (validation.store_status).
STORE_STATUSES = {
    "new": "no landed version of this inspection",
    "resubmission": "landed before from the same submission name: this version replaces it",
    "supersedes": "landed from another submission received earlier: this version replaces it",
    "older_than_landed": "landed from another submission received later: this one is older",
}
STORE_ACCEPTED = ["new", "resubmission", "supersedes"]


# --- keys shared by the suites and the gate -----------------------------------


def join_key(*parts: str) -> str:
    return SEP.join(parts)


def relevance(framework: Framework) -> dict[str, dict[str, list[str]]]:
    """question_id -> the case columns (and values) it is relevant for; prompts inherit their key question's."""
    out: dict[str, dict[str, list[str]]] = {}
    for standard in framework.standards:
        for kq in standard.key_questions:
            if kq.relevant_when:
                rule = {column: list(values) for column, values in sorted(kq.relevant_when.items())}
                out[kq.id] = rule
                for prompt in kq.prompts:
                    out[prompt.id] = rule
    return out


def context_suffix(columns: Iterable[str], values: Iterable[str]) -> str:
    return "".join(f"{SEP}{column}={value}" for column, value in zip(columns, values, strict=True))


def _context_keys(framework: Framework, code_values: dict[str, tuple[str, ...]]):
    """Yield (question row, case_type, context key, relevant) for every case context a question applies to."""
    rules = relevance(framework)
    for q in framework.questions():
        rule = rules.get(q.question_id, {})
        columns = list(rule)
        for case_type in q.case_types:
            base = join_key(framework.id, q.question_id, case_type)
            if not columns:
                yield q, case_type, base, True
                continue
            for combo in itertools.product(*(code_values[c] for c in columns)):
                relevant = all(
                    value in rule[c] and (c != "case_type" or value == case_type)
                    for c, value in zip(columns, combo, strict=True)
                )
                yield q, case_type, base + context_suffix(columns, combo), relevant


# --- generation ----------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """One expectation with the meta the gate turns into errors.csv lines."""

    type: str
    kwargs: dict
    rule: str
    message: str
    column: str
    value: str | None = None
    description: str = ""
    unless: tuple[str, ...] = ()
    allowed_prefix: str | None = None
    keyed_by_framework: bool = False
    severity: str = "critical"
    # "table.column" of every submission column the rule reads (templates filled from the row, like
    # `column`): a submission that could not supply one of them is not checked by this rule (see
    # ingest.RawSubmission.unread), so a missing column or file hides no other problem and adds none
    needs: tuple[str, ...] = ()

    def as_json(self) -> dict:
        meta: dict = {"rule": self.rule, "message": self.message, "column": self.column}
        if self.value is not None:
            meta["value"] = self.value
        if self.needs:
            meta["needs"] = list(self.needs)
        if self.unless:
            meta["unless"] = list(self.unless)
        if self.allowed_prefix is not None:
            meta["allowed_prefix"] = self.allowed_prefix
        if self.keyed_by_framework:
            meta["keyed_by"] = "framework"
        return {
            "type": self.type,
            "kwargs": self.kwargs,
            "meta": meta,
            "description": self.description,
            "severity": self.severity,
        }


def _literal(text: str) -> str:
    """Text placed in a message template as it is (braces escaped)."""
    return text.replace("{", "{{").replace("}", "}}")


def _non_capturing(pattern: str) -> str:
    """The same regex with groups made non-capturing (pandas warns about capturing groups in a match test)."""
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


def _enum_columns(schemas: dict[str, RecordSchema]):
    for table, schema in schemas.items():
        for spec in schema.columns.values():
            if spec.enum and not spec.known:
                yield table, spec


_CELL = ("{table}.{column}",)  # a cells-suite row is one column's value


def _cells_rules(schemas: dict[str, RecordSchema]) -> list[_Rule]:
    required = sorted(
        f"{table}.{spec.name}"
        for table, schema in schemas.items()
        for spec in schema.columns.values()
        if spec.required and not spec.nullable
    )
    codes = sorted(f"{table}.{spec.name}={value}" for table, spec in _enum_columns(schemas) for value in spec.enum)
    return [
        _Rule(
            "expect_column_values_to_not_be_in_set",
            {"column": "empty", "value_set": required},
            "value_missing",
            "{column} is required and may not be empty",
            "{column}",
            description="Required columns have a value on every row (key table.column of each empty cell).",
            needs=_CELL,
        ),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "code", "value_set": codes},
            "code_not_in_set",
            "{value!r} is not one of {allowed}",
            "{column}",
            "{value}",
            description="Every code is in its closed set, schemas/records/codes.json (key table.column=value).",
            needs=_CELL,
            allowed_prefix="{table}.{column}=",
        ),
        _Rule(
            "expect_column_values_to_match_regex",
            {"column": "date", "regex": ISO_DATE_PATTERN},
            "date_not_iso",
            "{value!r} is not a date written YYYY-MM-DD",
            "{column}",
            "{value}",
            description="Dates are ISO dates, YYYY-MM-DD.",
            needs=_CELL,
        ),
        _Rule(
            "expect_column_values_to_match_strftime_format",
            {"column": "date", "strftime_format": "%Y-%m-%d"},
            "date_invalid",
            "{value!r} is not a real calendar date",
            "{column}",
            "{value}",
            description="Dates exist on the calendar.",
            needs=_CELL,
            unless=("date_not_iso",),
        ),
        _Rule(
            "expect_column_values_to_match_regex",
            {"column": "integer", "regex": INTEGER_PATTERN},
            "not_an_integer",
            "{value!r} is not a whole number",
            "{column}",
            "{value}",
            description="Integer columns hold whole numbers.",
            needs=_CELL,
        ),
        _Rule(
            "expect_column_values_to_not_match_regex",
            {"column": "text", "regex": FORMULA_PATTERN},
            "text_formula",
            "{value!r} starts like a spreadsheet formula (=, +, -, @); text values may not start with these characters",
            "{column}",
            "{value}",
            description="Free-text values cannot be taken for spreadsheet formulas when opened in Excel.",
            needs=_CELL,
        ),
    ]


def _column_rules(schema: RecordSchema) -> list[_Rule]:
    """A table's per-column rules other than the cell-by-cell ones: patterns, lengths, ranges, order, keys."""
    rules = []

    def own(*names: str) -> tuple[str, ...]:
        return tuple(f"{schema.name}.{name}" for name in names)

    def of_column(spec, expectation: str, kwargs: dict, rule: str, message: str, description: str) -> _Rule:
        """A rule on one column's own values: errors name the column and its value."""
        return _Rule(
            expectation,
            kwargs,
            rule,
            message,
            spec.name,
            "{" + spec.name + "}",
            description=description,
            needs=own(spec.name),
        )

    for spec in schema.columns.values():
        if spec.pattern and not spec.known:
            rules.append(
                of_column(
                    spec,
                    "expect_column_values_to_match_regex",
                    {"column": spec.name, "regex": _non_capturing(spec.pattern)},
                    "value_pattern",
                    f"{{{spec.name}!r}} does not have the form "
                    + _literal(spec.pattern)
                    + (f" ({_literal(spec.description.rstrip('.'))})" if spec.description else ""),
                    f"{spec.name} matches {spec.pattern}.",
                )
            )
        if spec.max_length is not None:
            rules.append(
                of_column(
                    spec,
                    "expect_column_value_lengths_to_be_between",
                    {"column": spec.name, "max_value": spec.max_length},
                    "value_too_long",
                    f"{{{spec.name}!r}} is longer than {spec.max_length} characters",
                    f"{spec.name} is at most {spec.max_length} characters.",
                )
            )
        if spec.type == "integer" and (spec.minimum is not None or spec.maximum is not None):
            rules.append(
                of_column(
                    spec,
                    "expect_column_values_to_be_between",
                    {"column": f"{spec.name}_number", "min_value": spec.minimum, "max_value": spec.maximum},
                    "value_out_of_range",
                    f"{{{spec.name}}} is outside {spec.minimum}-{spec.maximum}",
                    f"{spec.name} is between {spec.minimum} and {spec.maximum}.",
                )
            )
        if spec.not_in_future:
            rules.append(
                of_column(
                    spec,
                    "expect_column_values_to_be_between",
                    {"column": f"{spec.name}{DAYS_AFTER_CHECK}", "max_value": 0},
                    "date_in_future",
                    f"{spec.name} {{{spec.name}}} is after the day the submission was checked",
                    f"{spec.name} is not in the future.",
                )
            )
        if spec.not_before:
            rules.append(
                _Rule(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    {
                        "column_A": f"{spec.name}_date",
                        "column_B": f"{spec.not_before}_date",
                        "or_equal": True,
                        "ignore_row_if": "either_value_is_missing",
                    },
                    "date_order",
                    f"{spec.name} {{{spec.name}}} is before {spec.not_before} {{{spec.not_before}}}",
                    spec.name,
                    "{" + spec.name + "}",
                    description=f"{spec.not_before} <= {spec.name}.",
                    needs=own(spec.name, spec.not_before),
                )
            )
    for key in schema.unique:
        names = ", ".join(key)
        rules.append(
            _Rule(
                "expect_compound_columns_to_be_unique",
                {"column_list": [SUBMISSION, *key], "ignore_row_if": "any_value_is_missing"},
                "key_duplicated",
                f"({names}) = ({', '.join('{' + k + '}' for k in key)}) appears on more than one row: "
                "rows {duplicate_rows}",
                "+".join(key),
                ", ".join("{" + k + "}" for k in key),
                description=f"({names}) is unique within the submission.",
                needs=own(*key),
            )
        )
    for spec in schema.columns.values():
        if spec.references:
            table, column = spec.references.split(".")
            rules.append(
                _Rule(
                    "expect_column_values_to_be_in_set",
                    {"column": f"{spec.name}_in_{table}", "value_set": [True]},
                    "reference_unknown",
                    f"{spec.name} {{{spec.name}!r}} matches no {column} in {table}",
                    spec.name,
                    "{" + spec.name + "}",
                    description=f"Every {spec.name} exists in {table}.{column} of the same submission.",
                    needs=(*own(spec.name), spec.references),
                )
            )
    return rules


def _inspection_rules(schemas, frameworks: dict[str, Framework]) -> list[_Rule]:
    return [
        *_column_rules(schemas["inspection"]),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "framework", "value_set": sorted(frameworks)},
            "framework_unknown",
            "framework {framework!r} is not a known framework ({allowed})",
            "framework",
            "{framework}",
            description="framework names a file in schemas/frameworks/.",
            needs=("inspection.framework",),
            allowed_prefix="",
        ),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "store_status", "value_set": STORE_ACCEPTED},
            "inspection_id_unique",
            "inspection_id {inspection_id!r} is already landed from submission {landed_name!r}, received "
            "{landed_received}, after this one ({received}); drop a newer version to change it",
            "inspection_id",
            "{inspection_id}",
            description="An inspection_id lands once; a later submission may supersede it, an older one may not. "
            + "; ".join(f"{k}: {v}" for k, v in STORE_STATUSES.items()),
            needs=("inspection.inspection_id",),
        ),
    ]


def _cases_rules(schemas) -> list[_Rule]:
    return [
        *_column_rules(schemas["cases"]),
        _Rule(
            "expect_column_values_to_be_between",
            {"column": "answer_rows", "min_value": 1},
            "case_without_answers",
            "case {case_ref!r} has no rows in answers",
            "case_ref",
            "{case_ref}",
            description="Every case has answers.",
            needs=("cases.case_ref", "answers.case_ref"),
        ),
        _Rule(
            "expect_column_values_to_be_between",
            {"column": "answered_rows", "min_value": 1},
            "case_all_na",
            "every answer for case {case_ref!r} is na: a case no question applies to was not "
            "read, so remove it or answer its questions",
            "case_ref",
            "{case_ref}",
            description="Every case with answers has at least one answer that is not na "
            "(answered_rows: its answers that are not na).",
            needs=("cases.case_ref", "answers.case_ref", "answers.answer"),
        ),
    ]


_FRAMEWORK = "inspection.framework"
# an answer's question, and its case's type through case_ref (relevance columns that cannot be read leave
# the context key empty, which no rule checks)
_ANSWER_IN_CASE = (_FRAMEWORK, "answers.question_id", "answers.case_ref", "cases.case_ref", "cases.case_type")


def _answer_sets(frameworks: dict[str, Framework], codes: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    questions, applies, na_forbidden, relevant = set(), set(), set(), set()
    for framework in frameworks.values():
        rules = relevance(framework)
        for q, case_type, key, is_relevant in _context_keys(framework, codes):
            questions.add(join_key(framework.id, q.question_id))
            applies.add(join_key(framework.id, q.standard_id, case_type))
            if not q.na_allowed and is_relevant:
                na_forbidden.add(key)
            if q.question_id in rules and is_relevant:
                relevant.add(key)
    return {
        "questions": sorted(questions),
        "applies": sorted(applies),
        "na_forbidden": sorted(na_forbidden),
        "relevant": sorted(relevant),
    }


def _answers_rules(schemas, sets) -> list[_Rule]:
    return [
        *_column_rules(schemas["answers"]),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "question_key", "value_set": sets["questions"]},
            "question_unknown",
            "question {question_id!r} is not in framework {framework}",
            "question_id",
            "{question_id}",
            keyed_by_framework=True,
            description="Every question_id exists in the submission's framework (key framework|question_id).",
            needs=(_FRAMEWORK, "answers.question_id"),
        ),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "applies_key", "value_set": sets["applies"]},
            "question_not_for_case_type",
            "question {question_id} belongs to standard {standard_id}, which applies to {standard_case_types} "
            "cases only; case {case_ref!r} is {case_type}",
            "question_id",
            "{question_id}",
            keyed_by_framework=True,
            description="Questions belong to standards that apply to the case's case_type "
            "(key framework|standard_id|case_type).",
            needs=_ANSWER_IN_CASE,
        ),
        _Rule(
            "expect_column_values_to_not_be_in_set",
            {"column": "na_key", "value_set": sets["na_forbidden"]},
            "na_not_allowed",
            "question {question_id} may not be answered na for case {case_ref!r}: answer yes or no",
            "answer",
            "{answer}",
            keyed_by_framework=True,
            description="na only where the framework allows it (key framework|question_id|case_type, plus "
            "|column=value for each case column the question's relevance depends on).",
            needs=(*_ANSWER_IN_CASE, "answers.answer"),
        ),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "key_question_answer", "value_set": list(ANSWERED)},
            "prompt_without_key_question",
            "prompt {question_id} is answered {answer} for case {case_ref!r} but its key question {parent_id} is "
            "{key_question_answer}: a prompt is answered yes or no only where its key question is",
            "answer",
            "{answer}",
            unless=("question_unknown", "question_not_for_case_type"),
            description="A prompt answered yes or no has its key question answered yes or no for the same case "
            "(key_question_answer: the key question's answer, or 'missing').",
            needs=(_FRAMEWORK, "answers.case_ref", "answers.question_id", "answers.answer"),
        ),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "relevant_key", "value_set": sets["relevant"]},
            "answer_not_relevant",
            "question {question_id} applies only to cases with {relevant_when}; case {case_ref!r} has "
            "{case_context}, so the answer must be na",
            "answer",
            "{answer}",
            unless=("question_not_for_case_type",),
            keyed_by_framework=True,
            description="Questions with relevant_when are answered yes or no only for the cases they apply to.",
            needs=(*_ANSWER_IN_CASE, "answers.answer"),
        ),
    ]


def _coverage_rules(frameworks: dict[str, Framework], sets) -> list[_Rule]:
    judged = sorted(join_key(f.id, s.id) for f in frameworks.values() for s in f.standards if s.rated_by == "judgement")
    return [
        _Rule(
            "expect_column_values_to_not_be_in_set",
            {"column": "unanswered_key", "value_set": sets["na_forbidden"]},
            "answer_missing",
            "case {case_ref!r} ({case_type}) has no answer to question {question_id}, "
            "which must be answered for every case it applies to",
            "question_id",
            "{question_id}",
            keyed_by_framework=True,
            description="Every question that may not be na is answered for every case it applies to "
            "(the na_not_allowed keys of the answers suite).",
            needs=_ANSWER_IN_CASE,
        ),
        _Rule(
            "expect_column_values_to_not_be_in_set",
            {"column": "unjudged_key", "value_set": judged},
            "rating_judgement_missing",
            "standard {standard_id} is rated by judgement but ratings has no "
            "judgement for it, so the inspection has no overall rating",
            "standard_id",
            "{standard_id}",
            keyed_by_framework=True,
            severity="warning",
            description="Each judged standard has a judgement rating (a warning: ratings are optional).",
            needs=(_FRAMEWORK, "ratings.standard_id", "ratings.kind"),
        ),
    ]


def _ratings_rules(schemas, frameworks: dict[str, Framework]) -> list[_Rule]:
    standards = sorted(join_key(f.id, s.id) for f in frameworks.values() for s in f.standards)
    judged = sorted(join_key(f.id, s.id) for f in frameworks.values() for s in f.standards if s.rated_by == "judgement")
    by_cases = sorted(
        join_key(f.id, s.id) for f in frameworks.values() for s in f.standards if s.rated_by == "key_questions"
    )
    return [
        *_column_rules(schemas["ratings"]),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "standard_key", "value_set": standards},
            "standard_unknown",
            "standard {standard_id!r} is not in framework {framework}",
            "standard_id",
            "{standard_id}",
            keyed_by_framework=True,
            description="Every standard_id exists in the submission's framework.",
            needs=(_FRAMEWORK, "ratings.standard_id"),
        ),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "judgement_key", "value_set": judged},
            "rating_judgement_not_judged",
            "standard {standard_id} is rated from case answers, so it takes no "
            "judgement rating (judged standards: {allowed})",
            "kind",
            "{kind}",
            unless=("standard_unknown",),
            allowed_prefix="{framework}|",
            keyed_by_framework=True,
            description="judgement ratings only for standards rated by judgement.",
            needs=(_FRAMEWORK, "ratings.standard_id", "ratings.kind"),
        ),
        _Rule(
            "expect_column_values_to_be_in_set",
            {"column": "override_key", "value_set": by_cases},
            "rating_override_not_case",
            "standard {standard_id} is not rated from case answers, so it cannot be "
            "overridden (case standards: {allowed})",
            "kind",
            "{kind}",
            unless=("standard_unknown",),
            allowed_prefix="{framework}|",
            keyed_by_framework=True,
            description="override ratings only for case standards.",
            needs=(_FRAMEWORK, "ratings.standard_id", "ratings.kind"),
        ),
    ]


FRAME_META = {
    "cells": "One row per distinct (submission, table, column, value): cell-by-cell record rules.",
    "inspection": "The inspection row, with parsed dates and its standing against the landed store.",
    "cases": "One row per case, with its count of answers.",
    "answers": "One row per answer, with its case's codes (joined on case_ref) and framework keys.",
    "coverage": "One row per (case, framework question) with no answer row, and per framework standard "
    "with no judgement rating.",
    "ratings": "One row per rating, with framework keys.",
}


def build_suites(
    schemas: dict[str, RecordSchema] | None = None, frameworks: dict[str, Framework] | None = None
) -> dict[str, dict]:
    """The suites the rule files imply, as GX suite JSON, by frame name."""
    schemas = schemas or load_record_schemas()
    frameworks = frameworks if frameworks is not None else load_frameworks()
    codes = {spec.name: spec.enum for _, spec in _enum_columns(schemas)}
    sets = _answer_sets(frameworks, codes)
    rules = {
        "cells": _cells_rules(schemas),
        "inspection": _inspection_rules(schemas, frameworks),
        "cases": _cases_rules(schemas),
        "answers": _answers_rules(schemas, sets),
        "coverage": _coverage_rules(frameworks, sets),
        "ratings": _ratings_rules(schemas, frameworks),
    }
    suites = {}
    for name in FRAMES:
        description = FRAME_META[name]
        suites[name] = {
            "name": f"yotbench.{name}",
            "meta": {
                "frame": name,
                "description": description,
                "generated_from": "schemas/records/*.json and schemas/frameworks/*.yaml by yotbench/expectations.py; "
                "do not edit by hand",
                "frameworks": sorted(frameworks),
            },
            "expectations": [rule.as_json() for rule in rules[name]],
        }
    return suites


def render(suite: dict) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def _current(path: Path, suite: dict) -> bool:
    return path.exists() and path.read_text(encoding="utf-8") == render(suite)


def stale_suites(directory: Path = EXPECTATIONS_DIR) -> list[str]:
    """Suite files missing from, or differing from, what the rule files generate."""
    return [f"{name}.json" for name, suite in build_suites().items() if not _current(directory / f"{name}.json", suite)]


def write_suites(directory: Path = EXPECTATIONS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in build_suites().items():
        path = directory / f"{name}.json"
        path.write_text(render(suite), encoding="utf-8")
        written.append(path)
    return written


def load_suites(directory: Path = EXPECTATIONS_DIR) -> dict[str, dict]:
    """The suites the gate runs: generated from the rule files, compared with the files on disk."""
    suites = build_suites()
    stale = [name for name, suite in suites.items() if not _current(directory / f"{name}.json", suite)]
    if stale:
        log.warning(
            "%s is out of date with schemas/records and schemas/frameworks (%s); the gate runs the generated "
            "suites. Regenerate with `python -m yotbench.expectations` and commit the result.",
            directory,
            ", ".join(f"{name}.json" for name in stale),
        )
    return suites


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yotbench.expectations", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a suite file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_suites()
        for name in stale:
            print(f"out of date: {EXPECTATIONS_DIR / name}")
        return 1 if stale else 0
    for path in write_suites():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
