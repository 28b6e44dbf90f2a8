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
    FRAMES,
    INTEGER_PATTERN,
    NOT_APPLICABLE,
    SEP,
    SUBMISSION,
    load_suites,
    relevance,
)
from yotbench.frameworks import Framework, load_frameworks
from yotbench.ingest import ROW_COLUMN, RawSubmission
from yotbench.ledger import Ledger
from yotbench.records import TABLES, load_record_schemas

log = logging.getLogger(__name__)

SAVED_UNEXPECTED = 200  # failing rows kept per expectation in saved results (errors.csv has them all)
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


def _text_columns(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The table's columns as object text, blanks as None (so every rule but value_missing skips them)."""
    out = pd.DataFrame(index=frame.index)
    for name in columns:
        values = frame[name].astype(object)
        out[name] = values.where(values != "", None)
    return out


def _frame(raw: RawSubmission, table: str) -> pd.DataFrame:
    schema = load_record_schemas()[table]
    source = raw.tables[table]
    out = _text_columns(source, schema.columns)
    out.insert(0, ROW_COLUMN, source[ROW_COLUMN].to_numpy())
    out.insert(0, "_file", raw.files[table])
    out.insert(0, SUBMISSION, raw.submission.name)
    return out.reset_index(drop=True)


def _join(*parts: pd.Series) -> pd.Series:
    """Join object columns with SEP; None where any part is missing."""
    out = parts[0].astype(object)
    present = parts[0].notna()
    for part in parts[1:]:
        out = out + SEP + part.astype(object)
        present &= part.notna()
    return out.where(present, None)


def _valid(frame: pd.DataFrame, columns) -> pd.Series:
    """Rows whose case codes in `columns` are all in their closed sets (keys are only built from valid codes)."""
    schema = load_record_schemas()["cases"]
    ok = pd.Series(True, index=frame.index)
    for name in columns:
        ok &= frame[name].isin(schema.columns[name].enum)
    return ok


def _cells(raw: RawSubmission) -> pd.DataFrame:
    """One row per distinct (table, column, value), with the derived columns the cells suite checks."""
    schemas = load_record_schemas()
    parts = []
    for table in TABLES:
        if table not in raw.tables:
            continue
        source = raw.tables[table]
        for spec in schemas[table].columns.values():
            values = pd.Index(source[spec.name].unique()).astype(object)
            if values.empty:
                continue
            blank = values == ""
            filled = np.where(blank, None, values)
            text_column = spec.type == "string" and not (spec.code or spec.enum or spec.date or spec.known)
            parts.append(pd.DataFrame({
                "table": table,
                "_file": raw.files[table],
                "column": spec.name,
                "value": values,
                "empty": np.where(blank, f"{table}.{spec.name}", None),
                "code": np.where(blank, None, f"{table}.{spec.name}=" + values) if spec.enum and not spec.known else None,
                "date": filled if spec.date else None,
                "integer": filled if spec.type == "integer" else None,
                "text": filled if text_column else None,
            }))
    cells = pd.concat(parts, ignore_index=True)
    cells.insert(0, SUBMISSION, raw.submission.name)
    return cells


def store_status(raw: RawSubmission, inspection_id: str | None, config: RunConfig) -> dict[str, str]:
    """How the submission's inspection_id stands against the landed store (see expectations.STORE_STATUSES)."""
    sub = raw.submission
    received = datetime.fromtimestamp(sub.received, UTC).isoformat(timespec="seconds")
    out = {"store_status": "new", "landed_name": "", "landed_received": "", "received": received}
    if not inspection_id:
        return out
    with Ledger(config.ledger_path) as ledger:
        landed = ledger.current_for(inspection_id)
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


def _inspection(raw: RawSubmission, config: RunConfig) -> pd.DataFrame:
    head = _frame(raw, "inspection")
    for spec in load_record_schemas()["inspection"].columns.values():
        if spec.date:
            head[f"{spec.name}_date"] = pd.to_datetime(head[spec.name], format="%Y-%m-%d", errors="coerce")
    inspection_id = head["inspection_id"].iloc[0] if len(head) else None
    for name, value in store_status(raw, inspection_id, config).items():
        head[name] = value
    return head


def _cases(raw: RawSubmission) -> pd.DataFrame:
    cases = _frame(raw, "cases")
    answers = raw.tables["answers"]
    counts = answers["case_ref"].value_counts()
    answered = answers.loc[answers["answer"].isin(ANSWERED), "case_ref"].value_counts()
    cases["answer_rows"] = cases["case_ref"].map(counts).fillna(0).astype(int)
    cases["answered_rows"] = cases["case_ref"].map(answered).fillna(0).where(cases["answer_rows"] > 0)
    for spec in load_record_schemas()["cases"].columns.values():
        if spec.type == "integer":
            text = cases[spec.name].fillna("").astype(str)
            whole = text.str.fullmatch(INTEGER_PATTERN)
            cases[f"{spec.name}_number"] = pd.to_numeric(text.where(whole), errors="coerce")
    return cases


def _case_table(cases: pd.DataFrame) -> pd.DataFrame:
    """The first row of each case_ref with its codes: what answers are joined to."""
    return cases.loc[cases["case_ref"].notna(), ["case_ref", ROW_COLUMN, "answer_rows", *CASE_CODES]].drop_duplicates(
        "case_ref")


@dataclass(frozen=True)
class _Questions:
    """A framework's questions as lookups for building keys."""

    standard: dict[str, str]
    standard_case_types: dict[str, str]
    relevance: dict[str, dict[str, list[str]]]
    by_columns: dict[tuple[str, ...], list[str]]
    table: pd.DataFrame  # question_id, case_type: every case type each question is asked for


def _questions(framework: Framework) -> _Questions:
    return _questions_of(framework.id)


@cache
def _questions_of(framework_id: str) -> _Questions:
    framework = load_frameworks()[framework_id]
    rows = framework.questions()
    rules = relevance(framework)
    by_columns: dict[tuple[str, ...], list[str]] = {}
    for question_id, rule in rules.items():
        by_columns.setdefault(tuple(rule), []).append(question_id)
    return _Questions(
        standard={q.question_id: q.standard_id for q in rows},
        standard_case_types={q.question_id: ", ".join(q.case_types) for q in rows},
        relevance=rules,
        by_columns=by_columns,
        table=pd.DataFrame([(q.question_id, t) for q in rows for t in q.case_types], columns=["question_id", "case_type"]),
    )


def _context(frame: pd.DataFrame, framework: Framework) -> tuple[pd.Series, pd.Series]:
    """Context keys (framework|question_id|case_type[|column=value...]) and a readable case context."""
    questions = _questions(framework)
    key = _join(pd.Series(framework.id, index=frame.index, dtype=object), frame["question_id"], frame["case_type"])
    key = key.where(_valid(frame, ["case_type"]), None)
    described = pd.Series(None, index=frame.index, dtype=object)
    for columns, ids in questions.by_columns.items():
        mask = frame["question_id"].isin(ids) & key.notna()
        if not mask.any():
            continue
        subset = frame.loc[mask]
        suffix = pd.Series("", index=subset.index, dtype=object)
        words = pd.Series("", index=subset.index, dtype=object)
        for i, name in enumerate(columns):
            suffix = suffix + f"{SEP}{name}=" + subset[name].astype(object)
            words = words + (" and " if i else "") + f"{name} " + subset[name].astype(object)
        key.loc[mask] = (key.loc[mask] + suffix).where(_valid(subset, columns), None)
        described.loc[mask] = words
    return key, described


def _answers(raw: RawSubmission, cases: pd.DataFrame, framework: Framework | None, framework_id: str) -> pd.DataFrame:
    answers = _frame(raw, "answers")
    case_table = _case_table(cases).drop(columns=[ROW_COLUMN, "answer_rows"])
    joined = answers.merge(case_table.assign(case_ref_in_cases=True), on="case_ref", how="left",
                           validate="many_to_one")
    joined["case_ref_in_cases"] = joined["case_ref_in_cases"].astype(object).where(joined["case_ref"].notna(), None)
    joined.loc[joined["case_ref"].notna() & joined["case_ref_in_cases"].isna(), "case_ref_in_cases"] = False
    joined["framework"] = framework_id
    for name in ("question_key", "applies_key", "na_key", "relevant_key", "standard_id", "standard_case_types",
                 "relevant_when", "case_context"):
        joined[name] = None
    if framework is None or joined.empty:
        return joined
    questions = _questions(framework)
    question = joined["question_id"]
    joined["standard_id"] = question.map(questions.standard)
    joined["standard_case_types"] = question.map(questions.standard_case_types)
    joined["question_key"] = _join(joined["framework"], question)
    joined["applies_key"] = _join(joined["framework"], joined["standard_id"], joined["case_type"]).where(
        _valid(joined, ["case_type"]), None)
    context, described = _context(joined, framework)
    joined["na_key"] = context.where(joined["answer"] == NOT_APPLICABLE, None)
    has_rule = question.isin(list(questions.relevance))
    joined["relevant_key"] = context.where(joined["answer"].isin(ANSWERED) & has_rule, None)
    joined["case_context"] = described
    joined["relevant_when"] = question.map(
        {qid: " and ".join(f"{c} {'/'.join(v)}" for c, v in rule.items()) for qid, rule in questions.relevance.items()})
    return joined


COVERAGE_COLUMNS = [SUBMISSION, "_file", ROW_COLUMN, "framework", "case_ref", "case_type", "question_id",
                    "standard_id", "unanswered_key", "unjudged_key"]


def _coverage(raw: RawSubmission, cases: pd.DataFrame, answers: pd.DataFrame,
              framework: Framework | None, framework_id: str) -> pd.DataFrame:
    """The answers each case (that has answers at all) lacks, and the judgements the inspection lacks."""
    if framework is None:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in COVERAGE_COLUMNS})
    case_table = _case_table(cases)
    case_table = case_table[(case_table["answer_rows"] > 0) & _valid(case_table, ["case_type"])]
    pairs = case_table.merge(_questions(framework).table, on="case_type")
    present = answers.loc[answers["case_ref"].notna() & answers["question_id"].notna(), ["case_ref", "question_id"]]
    pairs = pairs.merge(present.drop_duplicates().assign(_present=True), on=["case_ref", "question_id"], how="left")
    pairs = pairs[pairs["_present"].isna()].reset_index(drop=True)
    pairs["unanswered_key"] = _context(pairs, framework)[0] if len(pairs) else None
    pairs["_file"] = raw.files["cases"]
    judged = set()
    if "ratings" in raw.tables:
        ratings = raw.tables["ratings"]
        judged = set(ratings.loc[ratings["kind"] == "judgement", "standard_id"])
    missing = pd.DataFrame({"standard_id": [s.id for s in framework.standards if s.id not in judged]}, dtype=object)
    missing["unjudged_key"] = framework_id + SEP + missing["standard_id"]
    missing["_file"] = raw.files.get("ratings") or _absent_file(raw, "ratings")
    coverage = pd.concat([pairs, missing], ignore_index=True)
    coverage[SUBMISSION] = raw.submission.name
    coverage["framework"] = framework_id
    for name in COVERAGE_COLUMNS:
        if name not in coverage.columns:
            coverage[name] = None
    return coverage[COVERAGE_COLUMNS].astype({ROW_COLUMN: object})


def _absent_file(raw: RawSubmission, table: str) -> str:
    """The name a missing optional table would have had, to point problems about it somewhere."""
    if raw.submission.format == "xlsx":
        return f"{raw.submission.path.name}[{table}]"
    return f"{raw.submission.name}/{load_record_schemas()[table].file}"


def _ratings(raw: RawSubmission, framework: Framework | None, framework_id: str) -> pd.DataFrame | None:
    if "ratings" not in raw.tables:
        return None
    ratings = _frame(raw, "ratings")
    ratings["framework"] = framework_id
    for name in ("standard_key", "judgement_key", "override_key"):
        ratings[name] = None
    if framework is not None and len(ratings):
        key = _join(ratings["framework"], ratings["standard_id"])
        ratings["standard_key"] = key
        ratings["judgement_key"] = key.where(ratings["kind"] == "judgement", None)
        ratings["override_key"] = key.where(ratings["kind"] == "override", None)
    return ratings


def build_frames(raw: RawSubmission, config: RunConfig) -> Frames:
    """The frames the suites check, for one submission that read cleanly."""
    inspection = _inspection(raw, config)
    framework_id = inspection["framework"].iloc[0] if len(inspection) else None
    framework_id = framework_id if isinstance(framework_id, str) else ""
    framework = load_frameworks().get(framework_id)
    cases = _cases(raw)
    answers = _answers(raw, cases, framework, framework_id)
    frames = {
        "cells": _cells(raw),
        "inspection": inspection,
        "cases": cases,
        "answers": answers,
        "coverage": _coverage(raw, cases, answers, framework, framework_id),
    }
    ratings = _ratings(raw, framework, framework_id)
    if ratings is not None:
        frames["ratings"] = ratings
    sources = {(raw.submission.name, table): frame for table, frame in raw.tables.items()}
    return Frames(frames, sources, frozenset([framework_id]) if framework else frozenset())


def stack(many: list[Frames]) -> Frames:
    """The frames of several submissions as one set of frames (every rule is scoped by _submission)."""
    frames = {}
    for name in FRAMES:
        parts = [f.frames[name] for f in many if name in f.frames]
        if parts:
            frames[name] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    sources = {key: frame for f in many for key, frame in f.sources.items()}
    return Frames(frames, sources, frozenset().union(*(f.frameworks for f in many)))


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
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.lock = threading.RLock()
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("submission")
        self.suite_json = load_suites()
        self.batches = {name: source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
                        for name in FRAMES}
        self._suites: dict[tuple, object] = {}

    def suite(self, name: str, frameworks: frozenset[str], only: tuple[int, ...] | None = None):
        """The GX suite for a frame, value sets cut to `frameworks`; `only` keeps those expectations."""
        key = (name, frameworks, only)
        if key not in self._suites:
            spec = self.suite_json[name]
            chosen = spec["expectations"] if only is None else [spec["expectations"][i] for i in only]
            self._suites[key] = self.gx.ExpectationSuite(
                name=spec["name"], meta=spec["meta"], expectations=[_sliced(e, frameworks) for e in chosen])
        return self._suites[key]

    def columns(self, name: str) -> list[str]:
        """The columns a frame's suite reads (and the index columns results name rows by)."""
        spec = self.suite_json[name]
        names = list(spec["meta"]["index_columns"])
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
                validator = Validator(batch_definition=self.batches[name], result_format="BOOLEAN_ONLY",
                                      batch_parameters={"dataframe": frame[self.columns(name)]})
                first = validator.validate_expectation_suite(self.suite(name, frames.frameworks))
                for res in first.results:
                    _check_crash(name, res)
                failed = tuple(i for i, res in enumerate(first.results) if not res.success)
                complete = []
                if failed:
                    validator.result_format = {
                        "result_format": "COMPLETE",
                        "unexpected_index_column_names": self.suite_json[name]["meta"]["index_columns"],
                        "return_unexpected_index_query": False,
                    }
                    complete = list(validator.validate_expectation_suite(
                        self.suite(name, frames.frameworks, failed)).results)
                    for res in complete:
                        _check_crash(name, res)
                merged = first.to_json_dict()
                for i, res in zip(failed, complete, strict=True):
                    merged["results"][i] = _trimmed(res.to_json_dict())
                out[name] = {"json": merged, "complete": complete}
        return out


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
            f"({res.expectation_config.meta.get('rule')}) of suite {name}: {crash}")


def _trimmed(result_json: dict) -> dict:
    body = result_json.get("result") or {}
    for name in ("unexpected_list", "unexpected_index_list", "partial_unexpected_list"):
        if isinstance(body.get(name), list) and len(body[name]) > SAVED_UNEXPECTED:
            body[name] = body[name][:SAVED_UNEXPECTED]
            body[f"{name}_trimmed_to"] = SAVED_UNEXPECTED
    return result_json


@cache
def gate() -> _Gate:
    """The process's GX gate, built on first use."""
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


def _duplicate_rows(frame: pd.DataFrame, columns: list[str], row: pd.Series) -> str:
    same = (frame[columns] == row[columns]).all(axis=1)
    return ", ".join(str(int(r)) for r in frame.loc[same, ROW_COLUMN])


def _problems(name: str, frame: pd.DataFrame, complete: list, frames: Frames) -> list[tuple[str, Problem]]:
    """(severity, problem) for every failing row of a frame's failed expectations."""
    out = []
    flagged: dict[str, set[int]] = {}
    for res in complete:
        config = res.expectation_config
        meta = config.meta
        index_list = (res.result or {}).get("unexpected_index_list")
        if index_list is None:
            raise GateCrashed(f"{config.type} ({meta.get('rule')}) of suite {name} failed without naming its rows")
        ids = [int(entry["_id"]) for entry in index_list]
        skip = set().union(*(flagged.get(rule, set()) for rule in meta.get("unless", [])))
        flagged.setdefault(meta["rule"], set()).update(ids)
        value_set = config.kwargs.get("value_set") or []
        severity = config.severity or "critical"
        for row_id in ids:
            if row_id in skip:
                continue
            row = frame.loc[row_id]
            fields = {k: _text(v) for k, v in row.items()}
            if "allowed_prefix" in meta:
                prefix = meta["allowed_prefix"].format_map(fields)
                fields["allowed"] = ", ".join(v[len(prefix):] for v in value_set if v.startswith(prefix))
            if "{duplicate_rows}" in meta["message"]:
                fields["duplicate_rows"] = _duplicate_rows(frame, config.kwargs["column_list"], row)
            column = meta["column"].format_map(fields)
            value = meta["value"].format_map(fields) if "value" in meta else None
            message = meta["message"].format_map(fields)
            if name == "cells":
                source = frames.sources[(row[SUBMISSION], row["table"])]
                rows = source.loc[source[row["column"]] == row["value"], ROW_COLUMN].tolist()
            else:
                rows = [int(fields[ROW_COLUMN]) if fields[ROW_COLUMN] else None]
            for number in rows:
                out.append((row[SUBMISSION], severity,
                            Problem(row["_file"], number, column, value, meta["rule"], message)))
    return out


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
        context = g.gx.get_context(mode="ephemeral")
        context.variables.progress_bars = g.context.variables.progress_bars
        context.add_data_docs_site("yotbench", {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
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


def validate_submissions(raws: list[RawSubmission], *, config: RunConfig,
                         run_id: str) -> dict[str, tuple[list[Problem], list[Problem]]]:
    """Check submissions that read cleanly in one GX run per suite; submission name -> (errors, warnings)."""
    ready = [r for r in raws if not r.problems and all(t in r.tables for t in ("inspection", "cases", "answers"))]
    out: dict[str, tuple[list[Problem], list[Problem]]] = {r.submission.name: ([], []) for r in raws}
    if not ready:
        return out
    frames = stack([build_frames(raw, config) for raw in ready])
    for name, frame in frames.frames.items():
        frame.insert(0, "_id", np.arange(len(frame)))
    results = gate().validate(frames)
    for name, result in results.items():
        for submission, severity, problem in _problems(name, frames.frames[name], result["complete"], frames):
            out[submission][0 if severity == "critical" else 1].append(problem)
    label = ready[0].submission.name if len(ready) == 1 else f"{len(ready)}-submissions-from-{ready[0].submission.name}"
    _save_results(config, run_id, label, results)
    by_name = {r.submission.name: r for r in raws}
    return {name: (_sorted(by_name[name], errors), _sorted(by_name[name], warnings))
            for name, (errors, warnings) in out.items()}


def validate_submission(raw: RawSubmission, *, config: RunConfig, run_id: str) -> tuple[list[Problem], list[Problem]]:
    """Check one submission that read cleanly against every suite; returns (errors, warnings)."""
    return validate_submissions([raw], config=config, run_id=run_id)[raw.submission.name]
