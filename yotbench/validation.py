"""The validation gate: a submission passes Great Expectations suites before any of it lands.

`validate_submission` builds six pandas frames from a read submission
(`build_frames`): the distinct cells of every table; the inspection, cases,
answers and ratings tables with derived columns (codes joined from cases on
case_ref, keys into the framework, the inspection's standing against the landed
store); and the answers and judgements the submission lacks. It runs the suites
of expectations.py (kept as JSON in schemas/expectations/) on them with GX Core
and turns every failing row into a Problem named by the expectation's meta. Cell
rules run on distinct values, so a bad code repeated on 10,000 rows is one GX row
mapped back to its 10,000 spreadsheet rows.

Cost: GX spends a few milliseconds of Python per expectation per run whatever
the data, more for long value sets. So each suite first runs with BOOLEAN_ONLY
and only the failed expectations run again with COMPLETE (every failing row);
framework-keyed value sets are cut to the submission's framework (the keys
start with its id, so no other key can match); and every frame carries
`_submission`, so `validate_submissions` can check many submissions in one GX
run per suite.

GX is imported on first use; its context and suites are built once per process
and used under a lock, since submissions are validated from a thread pool. A GX
crash (an expectation result with `exception_info`) raises GateCrashed: it is
never reported as bad data. Results are saved under DIR/validation/<run id>/results/
and `data_docs_index` renders a run's results as Data Docs.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from yotbench.atomic import atomic_file
from yotbench.config import RunConfig
from yotbench.errors import Problem, YotbenchError
from yotbench.expectations import (
    ANSWERED,
    DAYS_AFTER_CHECK,
    FRAMES,
    INTEGER_PATTERN,
    NOT_APPLICABLE,
    SEP,
    SUBMISSION,
    load_suites,
    relevance,
)
from yotbench.frameworks import load_frameworks
from yotbench.ingest import ROW_COLUMN, RawSubmission
from yotbench.ledger import Ledger
from yotbench.records import TABLES, load_record_schemas

log = logging.getLogger(__name__)

SAVED_UNEXPECTED = 200  # failing rows kept per expectation in the saved results (errors.csv has them all)
# problems listed per submission, file and rule; beyond that errors.csv gives the count. A real submission
# (90 cases x 116 questions) has about 10,000 answers, so every problem of one is listed.
MAX_LISTED = 100_000
CASE_CODES = ("case_type", "disposal", "gender", "ethnicity", "looked_after", "rosh", "safety_wellbeing")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


class GateCrashed(YotbenchError):
    """Great Expectations failed to evaluate an expectation: a fault of the gate, not of the data."""


# --- frames ----------------------------------------------------------------------


@dataclass
class Frames:
    """What the suites run on: one frame per suite, for one or more submissions."""

    frames: dict[str, pd.DataFrame]
    sources: dict[tuple[str, str], pd.DataFrame]  # (submission, table) -> table as read, to map cells to rows
    frameworks: frozenset[str]  # the known frameworks the submissions declare
    unread: dict[str, frozenset[str]]  # submission -> the "table.column"s it could not supply (RawSubmission.unread)


def _stacked(raws: list[RawSubmission], table: str) -> pd.DataFrame:
    """A table of every submission that has it, as object text (blanks as None), with _submission and _file."""
    columns = list(load_record_schemas()[table].columns)
    having = [raw for raw in raws if table in raw.tables]
    if not having:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in [SUBMISSION, "_file", ROW_COLUMN, *columns]})
    # stacked whole, then the columns chosen once (the reader gives every table its schema's columns,
    # blank where the file had none): choosing them in each small frame first, a copy each, took
    # 1.5 of the 2.3 s this step took for 600 submissions
    out = pd.concat([raw.tables[table] for raw in having], ignore_index=True)[[ROW_COLUMN, *columns]]
    # each part's submission and file, repeated over its rows once the parts are stacked (assigning
    # them to each part first made a text column per part)
    sizes = [len(raw.tables[table]) for raw in having]
    out.insert(0, SUBMISSION, np.repeat(np.array([raw.submission.name for raw in having], dtype=object), sizes))
    out.insert(1, "_file", np.repeat(np.array([raw.files[table] for raw in having], dtype=object), sizes))
    for name in [SUBMISSION, "_file", *columns]:
        values = out[name].astype(object)
        out[name] = values.where(values != "", None)
    return out


def _join(*parts: pd.Series) -> pd.Series:
    """Join object columns with SEP; None where any part is missing."""
    out = parts[0].astype(object)
    present = parts[0].notna()
    for part in parts[1:]:
        out = out + SEP + part.astype(object)
        present &= part.notna()
    return out.where(present, None)


def _valid(frame: pd.DataFrame, columns) -> pd.Series:
    """Rows whose case codes in `columns` are all in their closed sets (keys are built from valid codes only)."""
    schema = load_record_schemas()["cases"]
    ok = pd.Series(True, index=frame.index)
    for name in columns:
        ok &= frame[name].isin(schema.columns[name].enum)
    return ok


def _cells(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per distinct (submission, table, column, value), with the derived columns the cells suite checks."""
    schemas = load_record_schemas()
    parts = []
    for table, frame in tables.items():
        for spec in schemas[table].columns.values():
            distinct = frame[[SUBMISSION, "_file", spec.name]].drop_duplicates().rename(columns={spec.name: "value"})
            if distinct.empty:
                continue
            value = distinct["value"]
            filled = value.notna()
            text_column = spec.type == "string" and not (spec.code or spec.enum or spec.date or spec.known)
            distinct = distinct.assign(
                table=table,
                column=spec.name,
                value=value.fillna(""),
                empty=np.where(filled, None, f"{table}.{spec.name}"),
                code=(f"{table}.{spec.name}=" + value).where(filled, None) if spec.enum and not spec.known else None,
                date=value if spec.date else None,
                integer=value if spec.type == "integer" else None,
                text=value if text_column else None,
            )
            parts.append(distinct)
    return pd.concat(parts, ignore_index=True)


def store_status(raw: RawSubmission, inspection_id: str | None, ledger: Ledger) -> dict[str, str]:
    """How the submission's inspection_id stands against the landed store (see expectations.STORE_STATUSES)."""
    sub = raw.submission
    received = sub.received_at
    out = {"store_status": "new", "landed_name": "", "landed_received": "", "received": received}
    landed = ledger.current_for(inspection_id) if inspection_id else None
    if landed is None:
        return out
    out.update(landed_name=landed.name, landed_received=landed.received_at or "")
    if landed.name == sub.name:
        out["store_status"] = "resubmission"
    elif (landed.received_at or "", landed.name) > (received, sub.name):
        out["store_status"] = "older_than_landed"
    else:
        out["store_status"] = "supersedes"
    return out


def _inspection(raws: list[RawSubmission], tables, config: RunConfig) -> pd.DataFrame:
    head = tables["inspection"].copy()
    today = pd.Timestamp(datetime.now(UTC).date())
    for spec in load_record_schemas()["inspection"].columns.values():
        if spec.date:
            head[f"{spec.name}_date"] = pd.to_datetime(head[spec.name], format="%Y-%m-%d", errors="coerce")
        if spec.not_in_future:
            head[f"{spec.name}{DAYS_AFTER_CHECK}"] = (head[f"{spec.name}_date"] - today).dt.days
    first = head.drop_duplicates(SUBMISSION).set_index(SUBMISSION)["inspection_id"]
    with Ledger(config.ledger_path) as ledger:
        status = pd.DataFrame(
            [
                {SUBMISSION: raw.submission.name, **store_status(raw, first.get(raw.submission.name), ledger)}
                for raw in raws
            ]
        )
    return head.merge(status, on=SUBMISSION, how="left")


def _frameworks(tables) -> pd.Series:
    """submission -> the framework id its inspection row declares ('' if none)."""
    head = tables["inspection"].drop_duplicates(SUBMISSION)
    return head.set_index(SUBMISSION)["framework"].fillna("")


@cache
def _question_table() -> pd.DataFrame:
    """Every framework question with its standard, and the case columns its relevance depends on."""
    rows = []
    for framework in load_frameworks().values():
        rules = relevance(framework)
        for q in framework.questions():
            rule = rules.get(q.question_id)
            rows.append(
                {
                    "framework": framework.id,
                    "question_id": q.question_id,
                    "parent_id": q.parent_id,
                    "standard_id": q.standard_id,
                    "case_types": tuple(q.case_types),
                    "standard_case_types": ", ".join(q.case_types),
                    "relevance_columns": ",".join(rule) if rule else "",
                    "relevant_when": " and ".join(f"{c} {'/'.join(v)}" for c, v in rule.items()) if rule else None,
                }
            )
    return pd.DataFrame(rows)


def _context(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Context keys framework|question_id|case_type[|column=value...] and the case context in words.

    `frame` has framework, question_id, case_type, relevance_columns and the case code columns."""
    key = _join(frame["framework"], frame["question_id"], frame["case_type"]).where(_valid(frame, ["case_type"]), None)
    words = pd.Series(None, index=frame.index, dtype=object)
    for spec in frame["relevance_columns"].dropna().unique():
        if not spec:
            continue
        columns = spec.split(",")
        mask = (frame["relevance_columns"] == spec) & key.notna()
        subset = frame.loc[mask]
        suffix = pd.Series("", index=subset.index, dtype=object)
        said = pd.Series("", index=subset.index, dtype=object)
        for i, name in enumerate(columns):
            suffix = suffix + f"{SEP}{name}=" + subset[name].astype(object)
            said = said + (" and " if i else "") + f"{name} " + subset[name].astype(object)
        key.loc[mask] = (key.loc[mask] + suffix).where(_valid(subset, columns), None)
        words.loc[mask] = said
    return key, words


def _case_table(cases: pd.DataFrame) -> pd.DataFrame:
    """The first row of each (submission, case_ref), with its codes: what answers are joined to."""
    return cases.loc[
        cases["case_ref"].notna(), [SUBMISSION, "case_ref", ROW_COLUMN, "answer_rows", *CASE_CODES]
    ].drop_duplicates([SUBMISSION, "case_ref"])


def _cases(tables) -> pd.DataFrame:
    cases = tables["cases"].copy()
    answers = tables["answers"]
    keys = [SUBMISSION, "case_ref"]
    counts = answers.groupby(keys).size().rename("answer_rows")
    # rows answered anything but na: an invalid code is reported as one (code_not_in_set), and does
    # not make a case's answers "all na"
    answered = answers[answers["answer"].ne(NOT_APPLICABLE)].groupby(keys).size().rename("answered_rows")
    cases = cases.merge(counts, left_on=keys, right_index=True, how="left").merge(
        answered, left_on=keys, right_index=True, how="left"
    )
    cases["answer_rows"] = cases["answer_rows"].fillna(0).astype(int)
    cases["answered_rows"] = cases["answered_rows"].fillna(0).where(cases["answer_rows"] > 0)
    for spec in load_record_schemas()["cases"].columns.values():
        if spec.type == "integer":
            text = cases[spec.name].fillna("").astype(str)
            cases[f"{spec.name}_number"] = pd.to_numeric(
                text.where(text.str.fullmatch(INTEGER_PATTERN)), errors="coerce"
            )
    return cases.reset_index(drop=True)


def _answers(tables, cases: pd.DataFrame, frameworks: pd.Series) -> pd.DataFrame:
    answers = tables["answers"]
    case_table = _case_table(cases).drop(columns=[ROW_COLUMN, "answer_rows"]).assign(case_ref_in_cases=True)
    answers = answers.merge(case_table, on=[SUBMISSION, "case_ref"], how="left", validate="many_to_one")
    answers["case_ref_in_cases"] = answers["case_ref_in_cases"].astype(object).where(answers["case_ref"].notna(), None)
    answers.loc[answers["case_ref"].notna() & answers["case_ref_in_cases"].isna(), "case_ref_in_cases"] = False
    answers["framework"] = answers[SUBMISSION].map(frameworks)
    questions = _question_table().drop(columns="case_types")
    answers = answers.merge(questions, on=["framework", "question_id"], how="left", validate="many_to_one")
    answers["question_key"] = _join(answers["framework"], answers["question_id"])
    answers["applies_key"] = _join(answers["framework"], answers["standard_id"], answers["case_type"]).where(
        _valid(answers, ["case_type"]), None
    )
    key_questions = (
        answers.loc[
            answers["case_ref"].notna() & answers["question_id"].notna(),
            [SUBMISSION, "case_ref", "question_id", "answer"],
        ]
        .drop_duplicates([SUBMISSION, "case_ref", "question_id"])
        .rename(columns={"question_id": "parent_id", "answer": "key_question_answer"})
    )
    answers = answers.merge(key_questions, on=[SUBMISSION, "case_ref", "parent_id"], how="left")
    answered_prompt = answers["parent_id"].notna() & answers["answer"].isin(ANSWERED)
    key_answer = answers["key_question_answer"].fillna("missing")
    # a key question answered with an invalid code is reported once, as a bad code, not again for each prompt
    coded = key_answer.isin([*ANSWERED, NOT_APPLICABLE, "missing"])
    answers["key_question_answer"] = key_answer.where(answered_prompt & coded, None)
    context, words = _context(answers)
    answers["na_key"] = context.where(answers["answer"] == NOT_APPLICABLE, None)
    has_rule = answers["relevance_columns"].fillna("") != ""
    answers["relevant_key"] = context.where(answers["answer"].isin(ANSWERED) & has_rule, None)
    answers["case_context"] = words
    return answers


COVERAGE_COLUMNS = [
    SUBMISSION,
    "_file",
    ROW_COLUMN,
    "framework",
    "case_ref",
    "case_type",
    "question_id",
    "standard_id",
    "unanswered_key",
    "unjudged_key",
]


def _coverage(raws: list[RawSubmission], tables, cases: pd.DataFrame, frameworks: pd.Series) -> pd.DataFrame:
    """The answers each case (that has answers at all) lacks, and the judgements each inspection lacks."""
    case_table = _case_table(cases)
    case_table = case_table[(case_table["answer_rows"] > 0) & _valid(case_table, ["case_type"])]
    case_table = case_table.assign(framework=case_table[SUBMISSION].map(frameworks))
    questions = _question_table().explode("case_types").rename(columns={"case_types": "case_type"})
    pairs = case_table.merge(
        questions[["framework", "question_id", "case_type", "relevance_columns"]], on=["framework", "case_type"]
    )
    answers = tables["answers"]
    present = (
        answers.loc[
            answers["case_ref"].notna() & answers["question_id"].notna(), [SUBMISSION, "case_ref", "question_id"]
        ]
        .drop_duplicates()
        .assign(_present=True)
    )
    pairs = pairs.merge(present, on=[SUBMISSION, "case_ref", "question_id"], how="left")
    pairs = pairs[pairs["_present"].isna()].reset_index(drop=True)
    pairs["unanswered_key"] = _context(pairs)[0] if len(pairs) else None
    pairs["_file"] = pairs[SUBMISSION].map({raw.submission.name: raw.files.get("cases") for raw in raws})
    known = load_frameworks()
    judged = set()
    if "ratings" in tables:
        ratings = tables["ratings"]
        judged = set(
            zip(
                ratings.loc[ratings["kind"] == "judgement", SUBMISSION],
                ratings.loc[ratings["kind"] == "judgement", "standard_id"],
                strict=True,
            )
        )
    missing = [
        {
            SUBMISSION: raw.submission.name,
            "_file": raw.files.get("ratings") or _absent_file(raw, "ratings"),
            "framework": frameworks[raw.submission.name],
            "standard_id": standard.id,
            "unjudged_key": frameworks[raw.submission.name] + SEP + standard.id,
        }
        for raw in raws
        if frameworks.get(raw.submission.name) in known
        for standard in known[frameworks[raw.submission.name]].standards
        if (raw.submission.name, standard.id) not in judged
    ]
    coverage = pd.concat(
        [pairs, pd.DataFrame(missing, columns=[SUBMISSION, "_file", "framework", "standard_id", "unjudged_key"])],
        ignore_index=True,
    )
    for name in COVERAGE_COLUMNS:
        if name not in coverage.columns:
            coverage[name] = None
    return coverage[COVERAGE_COLUMNS].astype({ROW_COLUMN: object})


def _absent_file(raw: RawSubmission, table: str) -> str:
    """The name a missing optional table would have had, to point problems about it somewhere."""
    if raw.submission.format == "xlsx":
        return f"{raw.submission.path.name}[{table}]"
    return f"{raw.submission.name}/{load_record_schemas()[table].file}"


def _ratings(tables, frameworks: pd.Series) -> pd.DataFrame:
    ratings = tables["ratings"].copy()
    ratings["framework"] = ratings[SUBMISSION].map(frameworks)
    key = _join(ratings["framework"], ratings["standard_id"])
    ratings["standard_key"] = key
    ratings["judgement_key"] = key.where(ratings["kind"] == "judgement", None)
    ratings["override_key"] = key.where(ratings["kind"] == "override", None)
    return ratings


def build_frames(raws: list[RawSubmission], config: RunConfig) -> Frames:
    """The frames the suites check, for one or more submissions (all of them in one set of frames).

    A table a submission could not supply is absent from its rows, and a missing column is blank."""
    required = [name for name, schema in load_record_schemas().items() if not schema.optional_table]
    tables = {
        table: _stacked(raws, table) for table in TABLES if table in required or any(table in r.tables for r in raws)
    }
    declared = _frameworks(tables)
    known = frozenset(f for f in declared if f in load_frameworks())
    # keys into an unknown framework would fail every framework rule: framework_unknown says it once;
    # a submission whose inspection table could not be read has none
    frameworks = pd.Series(
        {raw.submission.name: declared.get(raw.submission.name) for raw in raws}, dtype=object
    ).where(lambda f: f.isin(known), None)
    cases = _cases(tables)
    frames = {
        "cells": _cells(tables),
        "inspection": _inspection(raws, tables, config),
        "cases": cases,
        "answers": _answers(tables, cases, frameworks),
        "coverage": _coverage(raws, tables, cases, frameworks),
    }
    if "ratings" in tables:
        frames["ratings"] = _ratings(tables, frameworks)
    for frame in frames.values():
        frame.index = pd.RangeIndex(len(frame))  # GX names failing rows by index label: the _id
        frame.insert(0, "_id", np.arange(len(frame)))
    sources = {(raw.submission.name, table): frame for raw in raws for table, frame in raw.tables.items()}
    return Frames(frames, sources, known, {raw.submission.name: raw.unread for raw in raws})


# --- Great Expectations ----------------------------------------------------------


def _sliced(spec: dict, frameworks: frozenset[str]) -> dict:
    """An expectation with a framework-keyed value set cut to the given frameworks' keys."""
    if spec["meta"].get("keyed_by") != "framework":
        return spec
    prefixes = tuple(f"{f}{SEP}" for f in sorted(frameworks))
    spec = copy.deepcopy(spec)
    spec["kwargs"]["value_set"] = [v for v in spec["kwargs"]["value_set"] if v.startswith(prefixes)] if prefixes else []
    return spec


class _Gate:
    """One GX context per process: a pandas data source with one asset per frame, and the suites."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx

        self.gx = gx
        self.lock = threading.RLock()
        self.context = self.new_context()
        source = self.context.data_sources.add_pandas("submission")
        self.suite_json = load_suites()
        self.batches = {
            name: source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole") for name in FRAMES
        }
        self._suites: dict[tuple, object] = {}

    def new_context(self, data_docs_sites: dict | None = None):
        """An in-memory GX context: no progress bars, no analytics, no temporary Data Docs site."""
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
            data_docs_sites=data_docs_sites or {},
        )
        return self.gx.get_context(mode="ephemeral", project_config=config)

    def suite(self, name: str, frameworks: frozenset[str], only: tuple[int, ...] | None = None):
        """The GX suite for a frame, value sets cut to `frameworks`; `only` keeps those expectations."""
        key = (name, frameworks, only)
        if key not in self._suites:
            spec = self.suite_json[name]
            chosen = spec["expectations"] if only is None else [spec["expectations"][i] for i in only]
            self._suites[key] = self.gx.ExpectationSuite(
                name=spec["name"], meta=spec["meta"], expectations=[_sliced(e, frameworks) for e in chosen]
            )
        return self._suites[key]

    def columns(self, name: str) -> list[str]:
        """The columns a frame's suite reads (and the index columns results name rows by)."""
        spec = self.suite_json[name]
        names = ["_id"]
        for expectation in spec["expectations"]:
            kwargs = expectation["kwargs"]
            for key in ("column", "column_A", "column_B"):
                if key in kwargs:
                    names.append(kwargs[key])
            names.extend(kwargs.get("column_list", []))
        return list(dict.fromkeys(names))

    def validate(self, frames: Frames) -> dict[str, dict]:
        """Run each frame's suite; frame name -> {"json": result as JSON, "complete": failed results, COMPLETE}.

        One validator per frame, so GX loads (and fingerprints) the batch once for both passes.
        """
        from great_expectations.validator.v1_validator import Validator

        out = {}
        with self.lock:
            for name in FRAMES:
                frame = frames.frames.get(name)
                if frame is None:
                    continue
                validator = Validator(
                    batch_definition=self.batches[name],
                    result_format="BOOLEAN_ONLY",
                    batch_parameters={"dataframe": frame[self.columns(name)]},
                )
                first = validator.validate_expectation_suite(self.suite(name, frames.frameworks))
                for res in first.results:
                    _check_crash(name, res)
                failed = tuple(i for i, res in enumerate(first.results) if not res.success)
                complete = []
                if failed:
                    # GX need not return results in the suite's order: expectations are matched by what
                    # they are (type and meta, unique within a suite), never by position
                    position = {
                        _identity(e["type"], e["meta"]): j for j, e in enumerate(self.suite_json[name]["expectations"])
                    }
                    keys = [
                        _identity(first.results[i].expectation_config.type, first.results[i].expectation_config.meta)
                        for i in failed
                    ]
                    only = tuple(sorted(position[key] for key in keys))
                    # no unexpected_index_column_names: GX looks those up cell by cell (~40 us a row);
                    # the frame's index is _id, and GX returns index labels in one step
                    validator.result_format = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
                    again = {
                        _identity(res.expectation_config.type, res.expectation_config.meta): res
                        for res in validator.validate_expectation_suite(
                            self.suite(name, frames.frameworks, only)
                        ).results
                    }
                    complete = [again.get(key) for key in keys]
                    for res in complete:
                        if res is not None:
                            _check_crash(name, res)
                    if set(again) != set(keys) or any(res.success for res in complete):
                        raise GateCrashed(f"suite {name}: the COMPLETE pass did not repeat the failed expectations")
                merged = first.to_json_dict()
                for i, res in zip(failed, complete, strict=True):
                    merged["results"][i] = _trimmed(res.to_json_dict())
                out[name] = {"json": merged, "complete": complete}
        return out


def _identity(kind: str, meta: dict) -> tuple[str, str]:
    """What an expectation is, whatever order GX returns it in: its type and its meta (rule, columns, message)."""
    return kind, json.dumps(meta, sort_keys=True, default=str)


def _raised(info) -> str | None:
    """The exception message in a GX exception_info (flat or keyed by metric), if anything raised."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception")
    for value in info.values():
        found = _raised(value)
        if found:
            return found
    return None


def _check_crash(name: str, res) -> None:
    crash = _raised(res.exception_info)
    if crash:
        raise GateCrashed(
            f"Great Expectations could not evaluate {res.expectation_config.type} "
            f"({res.expectation_config.meta.get('rule')}) of suite {name}: {crash}"
        )


def _trimmed(result_json: dict) -> dict:
    body = result_json.get("result") or {}
    for name in ("unexpected_list", "unexpected_index_list", "partial_unexpected_list"):
        if isinstance(body.get(name), list) and len(body[name]) > SAVED_UNEXPECTED:
            body[name] = body[name][:SAVED_UNEXPECTED]
            body[f"{name}_trimmed_to"] = SAVED_UNEXPECTED
    return result_json


_GATE_LOCK = threading.Lock()


def gate() -> _Gate:
    """The process's GX gate, built on first use (once, even when two threads ask at the same moment)."""
    with _GATE_LOCK:
        return _built_gate()


@cache
def _built_gate() -> _Gate:
    return _Gate()


# --- results to problems ---------------------------------------------------------


def _text(value) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _duplicate_rows(failing: pd.DataFrame, columns: list[str]) -> dict[tuple, str]:
    """Key -> the rows sharing it, up to ten (every row of a duplicated key is itself a failing row)."""
    out = {}
    for key, rows in failing.groupby(columns, sort=False, dropna=False)[ROW_COLUMN]:
        shown = ", ".join(str(int(r)) for r in rows.iloc[:10])
        out[key if isinstance(key, tuple) else (key,)] = shown + (f" ... ({len(rows)} rows)" if len(rows) > 10 else "")
    return out


class _Listing:
    """Problems found, at most MAX_LISTED per (submission, file, rule); the rest are counted."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str, Problem]] = []
        self.listed: Counter = Counter()
        self.more: Counter = Counter()

    def add(self, submission: str, severity: str, problem: Problem) -> None:
        key = (submission, severity, problem.file, problem.rule)
        if self.listed[key] < MAX_LISTED:
            self.listed[key] += 1
            self.problems.append((submission, severity, problem))
        else:
            self.more[key] += 1

    def done(self) -> list[tuple[str, str, Problem]]:
        for (submission, severity, file, rule), n in self.more.items():
            self.problems.append(
                (
                    submission,
                    severity,
                    Problem(
                        file,
                        None,
                        None,
                        None,
                        rule,
                        f"{n} more rows break {rule}; only the first {MAX_LISTED} are listed",
                        count=n,
                    ),
                )
            )
        return self.problems


def _checkable(failing: pd.DataFrame, needs: list[str], unread: dict[str, frozenset[str]]) -> pd.DataFrame:
    """The failing rows whose submission supplied every column the rule reads (meta `needs`; a template
    such as "{table}.{column}" is filled from the row)."""
    fixed = [n for n in needs if "{" not in n]
    templates = [n for n in needs if "{" in n]
    keep = pd.Series(True, index=failing.index)
    for name, columns in unread.items():
        rows = failing.index[failing[SUBMISSION] == name] if columns and needs else []
        if not len(rows):
            continue
        if any(n in columns for n in fixed):
            keep[rows] = False
        elif templates:
            records = failing.loc[rows].to_dict("records")
            keep[rows] = [not any(t.format_map(r) in columns for t in templates) for r in records]
    return failing[keep]


def _problems(name: str, frame: pd.DataFrame, complete: list, frames: Frames, listing: _Listing) -> None:
    """Add a Problem for every failing row of a frame's failed expectations."""
    flagged: dict[str, set[int]] = {}
    for res in complete:
        config = res.expectation_config
        meta = config.meta
        index_list = (res.result or {}).get("unexpected_index_list")
        if index_list is None:
            raise GateCrashed(f"{config.type} ({meta.get('rule')}) of suite {name} failed without naming its rows")
        ids = [int(i) for i in index_list]
        skip = set().union(*(flagged.get(rule, set()) for rule in meta.get("unless", [])))
        flagged.setdefault(meta["rule"], set()).update(ids)
        failing = _checkable(frame.loc[[i for i in ids if i not in skip]], meta.get("needs", []), frames.unread)
        if failing.empty:
            continue
        value_set = config.kwargs.get("value_set") or []
        severity = config.severity or "critical"
        key_columns = config.kwargs.get("column_list")
        duplicates = _duplicate_rows(failing, key_columns) if "{duplicate_rows}" in meta["message"] else {}
        rank = failing.groupby([SUBMISSION, "_file"], sort=False).cumcount()
        for _, row in failing[rank < MAX_LISTED].iterrows():
            fields = {k: _text(v) for k, v in row.items()}
            if "allowed_prefix" in meta:
                prefix = meta["allowed_prefix"].format_map(fields)
                fields["allowed"] = ", ".join(v[len(prefix) :] for v in value_set if v.startswith(prefix))
            if duplicates:
                fields["duplicate_rows"] = duplicates[tuple(row[c] for c in key_columns)]
            column = meta["column"].format_map(fields)
            value = meta["value"].format_map(fields) if "value" in meta else None
            message = meta["message"].format_map(fields)
            if name == "cells":
                source = frames.sources[(row[SUBMISSION], row["table"])]
                rows = source.loc[source[row["column"]] == row["value"], ROW_COLUMN].tolist()
            else:
                rows = [int(fields[ROW_COLUMN]) if fields[ROW_COLUMN] else None]
            for number in rows:
                listing.add(
                    row[SUBMISSION], severity, Problem(row["_file"], number, column, value, meta["rule"], message)
                )
        for (submission, file), n in (
            failing[rank >= MAX_LISTED].groupby([SUBMISSION, "_file"], sort=False).size().items()
        ):
            listing.more[(submission, severity, file, meta["rule"])] += n


def _sorted(raw: RawSubmission, problems: list[Problem]) -> list[Problem]:
    files = [raw.files.get(t) or _absent_file(raw, t) for t in TABLES]

    def key(p: Problem):
        return (files.index(p.file) if p.file in files else len(files), p.row or 0, p.column or "", p.rule)

    return sorted(dict.fromkeys(problems), key=key)


# --- saved results and Data Docs ---------------------------------------------------


def _results_dir(config: RunConfig, run_id: str) -> Path:
    return config.validation_dir / run_id / "results"


def _save_results(config: RunConfig, run_id: str, label: str, results: dict[str, dict]) -> None:
    payload = {
        "label": label,
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "results": {frame: result["json"] for frame, result in results.items()},
    }
    target = _results_dir(config, run_id) / f"{_SAFE_NAME.sub('-', label)}.json"
    with atomic_file(target) as tmp:
        tmp.write_text(json.dumps(payload, default=str), encoding="utf-8")


def data_docs_index(config: RunConfig, run_id: str) -> Path | None:
    """Render a run's saved validation results as GX Data Docs; the index.html path, or None if nothing was validated."""
    results_dir = _results_dir(config, run_id)
    files = sorted(results_dir.glob("*.json")) if results_dir.exists() else []
    if not files:
        return None
    g = gate()
    from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    site_dir = config.validation_dir / run_id
    with g.lock:
        context = g.new_context(
            {
                "yotbench": {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            }
        )
        for path in files:
            payload = json.loads(path.read_text(encoding="utf-8"))
            for frame, result_json in payload["results"].items():
                key = ValidationResultIdentifier(
                    expectation_suite_identifier=ExpectationSuiteIdentifier(result_json["suite_name"]),
                    run_id=RunIdentifier(run_name=run_id, run_time=payload["validated_at"]),
                    batch_identifier=_SAFE_NAME.sub("-", f"{payload['label']}.{frame}"),
                )
                context.validation_results_store.set(key, expectationSuiteValidationResultSchema.load(result_json))
        context.build_data_docs(site_names=["yotbench"])
    index = site_dir / "index.html"
    return index if index.exists() else None


# --- the gate --------------------------------------------------------------------


def validate_submissions(
    raws: list[RawSubmission], *, config: RunConfig, run_id: str
) -> dict[str, tuple[list[Problem], list[Problem]]]:
    """Check submissions in one GX run per suite; submission name -> (errors, warnings).

    A submission with structural problems is checked too, on the tables and columns it could supply
    (rules that read an unread column are skipped), so errors.csv lists every problem found at once."""
    ready = [r for r in raws if r.tables]
    out: dict[str, tuple[list[Problem], list[Problem]]] = {r.submission.name: ([], []) for r in raws}
    if not ready:
        return out
    frames = build_frames(ready, config)
    results = gate().validate(frames)
    listing = _Listing()
    for name, result in results.items():
        _problems(name, frames.frames[name], result["complete"], frames, listing)
    for submission, severity, problem in listing.done():
        out[submission][0 if severity == "critical" else 1].append(problem)
    label = ready[0].submission.name if len(ready) == 1 else f"{len(ready)}-submissions-from-{ready[0].submission.name}"
    _save_results(config, run_id, label, results)
    by_name = {r.submission.name: r for r in raws}
    return {
        name: (_sorted(by_name[name], errors), _sorted(by_name[name], warnings))
        for name, (errors, warnings) in out.items()
    }


def validate_submission(raw: RawSubmission, *, config: RunConfig, run_id: str) -> tuple[list[Problem], list[Problem]]:
    """Check one submission against every suite; returns (errors, warnings)."""
    return validate_submissions([raw], config=config, run_id=run_id)[raw.submission.name]
