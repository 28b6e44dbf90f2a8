"""Gaps: do the child's characteristics go with the quality of the work on their case?

`significance(answers)` takes the rows of `int_answers_enriched` (one per case x
question) and tests every question, standard and area of each framework for a
difference by gender, ethnic group, ethnicity, looked-after status, age band and
case type. It returns the rows of `marts.significance`; `significance_of` does the same
for a DuckDB relation, read a standard (then an area) at a time, and `write_significance`
stores its rows in the marts database. The method, and the reasons for each choice, are in
docs/assumptions.md under "Significance tests (gaps)".

In short: a pooled test (chi-square, Fisher's exact test, or none with a reason; for
case scores Mann-Whitney or Kruskal-Wallis), a test stratified by inspection (CMH and
its relatives, yotbench.stats.stratified), Benjamini-Hochberg within each framework x
characteristic, and a finding flagged `significant` only when both tests agree.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from yotbench.errors import YotbenchError
from yotbench.records import code_sets
from yotbench.stats.stratified import (
    StratifiedResult,
    Sums,
    cmh_test,
    mantel_haenszel_difference,
    mean_score_test,
    stratum_sums,
    tables_of,
    within_stratum_deviation,
    yes_no_sums,
)

# A chi-square p-value is trusted when every expected count reaches this (the rule).
MIN_EXPECTED = 5.0
# A score comparison needs at least this many cases in every group compared.
MIN_GROUP_CASES = 5

ANSWER_COLUMNS = (
    "inspection_id",
    "framework",
    "fieldwork_start",
    "fieldwork_end",
    "case_key",
    "standard_id",
    "area",
    "question_id",
    "level",
    "answer",
)

COLUMNS = {
    "framework": "str",
    "scope": "str",  # question | standard | area
    "item_id": "str",
    "level": "str",  # key_question | prompt (question rows only)
    "standard_id": "str",
    "area": "str",
    "characteristic": "str",
    "groups_compared": "str",
    "test": "str",  # chi2 | fisher | mann_whitney | kruskal_wallis | none
    "statistic": "float64",
    "dof": "Int64",
    "p_value": "float64",
    "p_adjusted": "float64",
    "effect_size": "float64",
    "effect_measure": "str",  # risk_difference | cramers_v | mean_difference | epsilon_squared
    "gap_pp": "float64",
    "higher_group": "str",
    "lower_group": "str",
    "higher_pct": "float64",
    "lower_pct": "float64",
    "higher_n": "Int64",
    "lower_n": "Int64",
    "stratified_test": "str",  # cmh | cmh_exact | cmh_general | cmh_mean_score | none
    "stratified_statistic": "float64",
    "stratified_dof": "Int64",
    "p_stratified": "float64",
    "p_stratified_adjusted": "float64",
    "stratified_higher_group": "str",
    "stratified_lower_group": "str",
    "stratified_gap_pp": "float64",
    "n_strata": "Int64",
    "significant": "bool",
    "below_min_gap": "boolean",
    "n_cases": "Int64",
    "n_excluded": "Int64",
    "min_expected": "float64",
    "fieldwork_from": "object",  # datetime.date: DATE in DuckDB
    "fieldwork_to": "object",
    "note": "str",
}


class GapsInputError(YotbenchError):
    """The answers handed to the gap tests lack a column the method needs."""


@dataclass(frozen=True)
class Comparison:
    """One characteristic: the column it is read from, the order groups are listed in,
    and the values left out of every test (counted in the note)."""

    characteristic: str
    column: str
    order: tuple[str, ...]
    excluded: tuple[str, ...] = ("unknown",)


def comparisons() -> tuple[Comparison, ...]:
    """The characteristics tested, in report order. Group codes come from schemas/records/codes.json."""
    codes = code_sets()
    return (
        # `other` gender is about 1 case in 200: too few to test, so left out and counted.
        Comparison("gender", "gender", codes["gender"], ("unknown", "other")),
        Comparison("ethnic_group", "ethnic_group", ("white", "minority_ethnic")),
        Comparison("ethnicity", "ethnicity", codes["ethnicity"]),
        Comparison("looked_after", "looked_after", codes["looked_after"]),
        Comparison("age_band", "age_band", ()),
        Comparison("case_type", "case_type", codes["case_type"]),
    )


@dataclass(frozen=True)
class _Unit:
    """What one row tests, for every characteristic.

    A question's yes/no answers are held as counts: for each characteristic column, n[s, v] relevant
    cases and t[s, v] of them answered yes, by stratum (inspection) s and value code v
    (`values[column][v]` is the value; a missing value reads "unknown"). Every test of a yes/no
    response reads only these. A standard's or area's case scores are held case by case (x, with each
    case's stratum and value codes), as the rank tests compare the scores themselves."""

    scope: str
    item_id: str
    level: str | None
    standard_id: str | None
    area: str | None
    values: dict[str, list[str]]
    counts: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
    x: np.ndarray | None = None
    stratum: np.ndarray | None = None
    labels: dict[str, np.ndarray] | None = None


SCOPES = ("question", "standard", "area")  # the order rows are listed in, within a characteristic


def significance(answers: pd.DataFrame, *, alpha: float = 0.05, min_gap_pp: float = 5.0) -> pd.DataFrame:
    """The rows of marts.significance for every framework in `answers` (int_answers_enriched rows): the
    rows significance_of gives on the frame read through DuckDB, so a frame and the marts' views are
    tested by the same code."""
    _check(answers.columns, alpha, min_gap_pp)
    with duckdb.connect() as con:
        return significance_of(con.from_df(answers[answers_columns()]), alpha=alpha, min_gap_pp=min_gap_pp)


def significance_of(relation: duckdb.DuckDBPyRelation, *, alpha: float = 0.05, min_gap_pp: float = 5.0) -> pd.DataFrame:
    """significance() of a relation shaped like int_answers_enriched (filtered or not), read in pieces.

    The relation's answers are coded once in DuckDB (_Coded); each piece is fetched as integer codes and
    tested before the next is read: a standard's answers give its questions and the standard; an area's
    key-question answers give the area. So Python holds the largest standard's answers rather than the
    whole programme's (at scale 1000, 71 million answers), and DuckDB the coded answers, which it can
    spill to disk."""
    return significance_in_windows(relation, {}, alpha=alpha, min_gap_pp=min_gap_pp)[0]


def significance_in_windows(
    relation: duckdb.DuckDBPyRelation,
    windows: dict[str, tuple[dt.date, dt.date]],
    *,
    alpha: float = 0.05,
    min_gap_pp: float = 5.0,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """significance_of(relation), and for each framework in `windows` the rows significance_of gives
    on that framework's answers whose fieldwork ended in the window (first day, last day), from one
    read: each piece's rows in the window are cut from the piece already fetched. A framework with no
    answers in its window has no entry."""
    _check(relation.columns, alpha, min_gap_pp)
    relation = relation.select(*answers_columns())
    programme, windowed = [], {}
    with _Cases(relation) as cases:
        for framework, first, last in cases.spans():
            window, window_head = windows.get(framework), None
            if window is not None:
                first_in, last_in, cases_in_window = cases.span_in(framework, *window)
                window_head = _head(framework, first_in, last_in) if cases_in_window else None
            head = _head(framework, first, last)
            found, window_found = [], []
            with _Coded(relation.filter(_equals("framework", framework)), cases.of(framework)) as coded:
                in_window = coded.ended_between(*window) if window_head is not None else None
                for piece, scopes in coded.pieces():
                    found += _found(coded, piece, scopes, head)
                    rows = in_window[piece.case] if in_window is not None else None
                    if rows is not None and rows.any():
                        window_found += _found(coded, piece[rows], scopes, window_head)
            programme += _in_order(found)
            if window_head is not None:
                windowed[framework] = _decided(_in_order(window_found), alpha, min_gap_pp)
    return _decided(programme, alpha, min_gap_pp), windowed


def _head(framework: str, first, last) -> dict:
    return {"framework": framework, "fieldwork_from": _day(first), "fieldwork_to": _day(last)}


def ended_between(start: dt.date, end: dt.date) -> duckdb.Expression:
    """Rows of inspections whose fieldwork ended between start and end (both included)."""
    return duckdb.ColumnExpression("fieldwork_end").between(
        duckdb.ConstantExpression(start), duckdb.ConstantExpression(end)
    )


def _equals(column: str, value) -> duckdb.Expression:
    if value is None:
        return duckdb.ColumnExpression(column).isnull()
    return duckdb.ColumnExpression(column) == duckdb.ConstantExpression(value)


_CODED_TABLES = itertools.count(1)  # names the TEMP tables of each _Cases and _Coded (next() is atomic)


class _Cases:
    """The cases a relation shaped like int_answers_enriched gives the tests (those with an answer yes
    or no), read from it once into a TEMP table: each case's framework, inspection and key, and its
    fieldwork dates and characteristics (its own, the same on each of its rows, as in
    int_answers_enriched).

    The frameworks' fieldwork spans (the head of every row: the inspections tested), a window's span
    and each framework's cases for _Coded are then read from this table (1.2 million rows at scale
    1000) instead of from the view: two fewer passes of its joins over every answer (71 million at
    scale 1000). Used as a context manager: the TEMP table is dropped on leaving."""

    def __init__(self, relation: duckdb.DuckDBPyRelation) -> None:
        self._relation = relation
        self._table = f"yotbench_gaps_all_cases_{next(_CODED_TABLES)}"

    def __enter__(self) -> _Cases:
        characteristics = ", ".join(f"min({c}::varchar) as {c}" for c in _characteristic_columns(comparisons()))
        try:
            self._relation.query(
                "source",
                f"""
                create temp table {self._table} as
                select framework, inspection_id::varchar as inspection_id, case_key,
                       min(fieldwork_start) as fieldwork_start, max(fieldwork_end) as fieldwork_end,
                       {characteristics}
                from source
                where answer in ('yes', 'no')
                group by framework, inspection_id, case_key
                """,
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_) -> None:
        self._relation.query("source", f"drop table if exists temp.main.{self._table}")

    def _cases(self) -> duckdb.DuckDBPyRelation:
        return self._relation.query("source", f"select * from temp.main.{self._table}")

    def spans(self) -> list[tuple]:
        """(framework, first fieldwork start, last fieldwork end) of every framework, in order."""
        spans = self._cases().aggregate(
            "framework, min(fieldwork_start) as first, max(fieldwork_end) as last", "framework"
        )
        return sorted(spans.fetchall())

    def span_in(self, framework: str, start: dt.date, end: dt.date) -> tuple:
        """(first fieldwork start, last fieldwork end, cases) of the framework's cases whose
        inspection's fieldwork ended between start and end (both included)."""
        in_window = self._cases().filter(_equals("framework", framework)).filter(ended_between(start, end))
        return in_window.aggregate("min(fieldwork_start), max(fieldwork_end), count(*)").fetchall()[0]

    def of(self, framework: str) -> duckdb.DuckDBPyRelation:
        """The framework's cases, for _Coded."""
        columns = ["inspection_id", "case_key", "fieldwork_end", *_characteristic_columns(comparisons())]
        return self._cases().filter(_equals("framework", framework)).select(*columns)


@dataclass(frozen=True)
class _Piece:
    """Answered rows (yes or no) of one piece: each row's case and question, by their numbers in the
    framework's _Coded, and whether it was answered yes (1) or no (0)."""

    case: np.ndarray
    question: np.ndarray
    yes: np.ndarray

    def __getitem__(self, rows: np.ndarray) -> _Piece:
        return _Piece(self.case[rows], self.question[rows], self.yes[rows])


class _Coded:
    """One framework's answered rows, coded once in DuckDB, so that a piece is fetched as three integer
    columns without evaluating the case-level view again.

    At scale 100 each piece read through int_answers_enriched cost a fresh evaluation of the view's joins
    (about 0.3 s) and the coding of its 13 text columns (about 0.4 s), for 12 pieces a framework. Here
    the framework's cases (from _Cases) are numbered in inspection, case_key order, with their
    characteristics and fieldwork end, and the view is read twice, into TEMP tables: the questions
    (standard, area, level), and the answers as (case number, question number, yes), 9 bytes a row
    before DuckDB compresses them (DuckDB spills them to its temp directory past its memory limit). A
    piece is then a filter on the answers table. Used as a context manager: the TEMP tables are
    dropped on leaving."""

    def __init__(self, relation: duckdb.DuckDBPyRelation, cases: duckdb.DuckDBPyRelation) -> None:
        number = next(_CODED_TABLES)
        self._relation = relation
        self._case_rows = cases
        self._cases_table = f"yotbench_gaps_cases_{number}"
        self._answers_table = f"yotbench_gaps_answers_{number}"
        self._questions_table = f"yotbench_gaps_questions_{number}"

    def __enter__(self) -> _Coded:
        try:
            return self._coded()
        except BaseException:
            self.__exit__()
            raise

    def _coded(self) -> _Coded:
        characteristics = _characteristic_columns(comparisons())
        self._case_rows.query(
            "cases",
            f"""
            create temp table {self._cases_table} as
            select (row_number() over (order by inspection_id, case_key) - 1)::integer as case_number, *
            from cases
            """,
        )
        self._query(f"""
            create temp table {self._questions_table} as
            select (row_number() over (order by question_id) - 1)::integer as question_number, *
            from (
                select question_id::varchar as question_id, any_value(standard_id)::varchar as standard_id,
                       any_value(area)::varchar as area, any_value(level)::varchar as level
                from source where answer in ('yes', 'no') group by all
            )
        """)
        self._query(f"""
            create temp table {self._answers_table} as
            select cases.case_number, questions.question_number, (answers.answer::varchar = 'yes')::tinyint as yes
            from source as answers
            inner join temp.main.{self._cases_table} as cases
                on answers.inspection_id::varchar = cases.inspection_id and answers.case_key = cases.case_key
            inner join temp.main.{self._questions_table} as questions
                on answers.question_id::varchar = questions.question_id
            where answers.answer in ('yes', 'no')
        """)
        cases = _compact(self._query(f"select * from temp.main.{self._cases_table} order by case_number").arrow())
        self.inspection = pd.factorize(cases["inspection_id"], sort=True)[0].astype(np.int32)
        self.ends = cases["fieldwork_end"].to_numpy(dtype="datetime64[D]")
        coded = {c: _codes(cases[c]) for c in characteristics}
        self.labels = {c: codes for c, (codes, _) in coded.items()}
        self.values = {c: names for c, (_, names) in coded.items()}
        questions = self._query(
            f"select question_id, standard_id, area, level from temp.main.{self._questions_table} order by question_number"
        ).fetchall()
        columns = [list(column) for column in zip(*questions, strict=True)] or [[], [], [], []]
        self.questions, self.standard, self.area, self.level = columns
        self.key_question = np.array([level == "key_question" for level in self.level], dtype=bool)
        return self

    def __exit__(self, *_) -> None:
        for table in (self._questions_table, self._answers_table, self._cases_table):
            self._query(f"drop table if exists temp.main.{table}")

    def _query(self, sql: str) -> duckdb.DuckDBPyRelation | None:
        """Run SQL in which `source` is the relation: a statement that writes runs at once."""
        return self._relation.query("source", sql)

    def ended_between(self, start: dt.date, end: dt.date) -> np.ndarray:
        """Per case: did its inspection's fieldwork end between start and end (both included)?"""
        return (self.ends >= np.datetime64(start)) & (self.ends <= np.datetime64(end))

    def pieces(self) -> Iterator[tuple[_Piece, tuple[str, ...]]]:
        """(answers, scopes tested on them): each standard's answers, then each area's key-question answers."""
        numbers = range(len(self.questions))
        for standard in sorted(set(self.standard), key=lambda v: (v is None, v or "")):
            yield self._piece([i for i in numbers if self.standard[i] == standard]), ("question", "standard")
        for area in sorted({self.area[i] for i in numbers if self.key_question[i] and self.area[i] is not None}):
            yield self._piece([i for i in numbers if self.key_question[i] and self.area[i] == area]), ("area",)

    def _piece(self, questions: list[int]) -> _Piece:
        listed = ", ".join(str(q) for q in questions)
        table = (
            self._query(f"""
            select case_number, question_number, yes from temp.main.{self._answers_table}
            where question_number in ({listed})
        """)
            .arrow()
            .read_all()
        )
        return _Piece(*(table[c].to_numpy() for c in ("case_number", "question_number", "yes")))


def _check(columns, alpha: float, min_gap_pp: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha}")
    if min_gap_pp < 0:
        raise ValueError(f"min_gap_pp must not be negative, got {min_gap_pp}")
    missing = [c for c in answers_columns() if c not in columns]
    if missing:
        raise GapsInputError(f"answers lack column(s) {', '.join(missing)}; int_answers_enriched has them all")


def _found(coded: _Coded, piece: _Piece, scopes: tuple[str, ...], head: dict) -> list[tuple[tuple, dict]]:
    """(sort key, row) for every unit of one piece on every characteristic. Each unit is compared as
    it is made (one unit in memory at a time)."""
    wanted = comparisons()
    found = []
    for unit in _units(coded, piece, scopes):
        order = (SCOPES.index(unit.scope), _natural(unit.item_id))
        found += [((i, *order), head | _compare(unit, c)) for i, c in enumerate(wanted)]
    return found


def _in_order(found: list[tuple[tuple, dict]]) -> list[dict]:
    """A framework's rows characteristic by characteristic, then questions, standards and areas, each
    in natural order, however the pieces were cut."""
    return [row for _, row in sorted(found, key=lambda item: item[0])]


def _decided(rows: list[dict], alpha: float, min_gap_pp: float) -> pd.DataFrame:
    return _decide(pd.DataFrame(rows, columns=list(COLUMNS)), alpha, min_gap_pp).astype(COLUMNS)


def _characteristic_columns(wanted: tuple[Comparison, ...]) -> list[str]:
    """The case columns the comparisons read, each once, in order."""
    return list(dict.fromkeys(c.column for c in wanted))


def answers_columns() -> list[str]:
    """The columns of int_answers_enriched that significance() reads."""
    return [*ANSWER_COLUMNS, *_characteristic_columns(comparisons())]


PERIOD_COLUMNS = {"period_kind": "str", "period_label": "str", "period_start": "object", "period_end": "object"}


def write_significance(con: duckdb.DuckDBPyConnection, *, alpha: float = 0.05, min_gap_pp: float = 5.0) -> int:
    """Build marts.significance from the view int_answers_enriched on `con`, and, when the build has
    marts.periods, marts.significance_by_period (the programme and the latest financial year); returns
    marts.significance's row count."""
    from yotbench.marts import nightly_periods_of

    answers = con.table("int_answers_enriched")
    has_periods = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'periods'"
    ).fetchall()[0][0]
    periods = nightly_periods_of(con) if has_periods else []
    windows = {framework: (start, end) for framework, kind, _, start, end in periods if kind != "programme"}
    result, in_windows = significance_in_windows(answers, windows, alpha=alpha, min_gap_pp=min_gap_pp)
    _store(con, "significance", result)
    if has_periods:
        _store(con, "significance_by_period", significance_by_period(periods, result, in_windows))
    return len(result)


def significance_by_period(
    periods: list[tuple], programme: pd.DataFrame, in_windows: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """The rows of marts.significance_by_period: for each of the nightly briefings' `periods`
    (marts.nightly_periods_of), a framework's programme to date (its rows are marts.significance's:
    the same cases) and its latest financial year (its window's rows from significance_in_windows:
    the tests on the cases of the inspections whose fieldwork ended in it, with Benjamini-Hochberg
    within the period's framework x characteristic). Every financial year would cost as much again
    as the programme (at scale 100, 14 s against 3 s for the latest); `yotbench brief` tests any
    other period on its cases."""
    pieces = []
    for framework, kind, label, start, end in periods:
        if kind == "programme":
            rows = programme[programme["framework"] == framework]
        else:
            rows = in_windows.get(framework, programme.iloc[:0])
        period = {"period_kind": kind, "period_label": label, "period_start": _day(start), "period_end": _day(end)}
        pieces.append(rows.assign(**period))
    columns = {"framework": COLUMNS["framework"], **PERIOD_COLUMNS, **COLUMNS}  # framework, period, then the rest
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return pd.concat(pieces, ignore_index=True)[list(columns)].astype(columns)


def _store(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> None:
    con.register("significance_rows", rows)
    try:
        con.execute(f"create or replace table marts.{table} as select * from significance_rows")
    finally:
        con.unregister("significance_rows")


def _compact(batches: pa.RecordBatchReader) -> pd.DataFrame:
    """The answers as a frame whose text columns are categoricals (categories in sorted order).

    Read batch by batch and coded on the way, so millions of rows of repeated codes never sit in
    memory as text; significance() gives the same result as on text columns."""
    names = batches.schema.names
    text = {f.name for f in batches.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)}
    codes: dict[str, list[np.ndarray]] = {name: [] for name in text}
    seen: dict[str, dict[str, int]] = {name: {} for name in text}  # value -> code, in order of appearance
    other: dict[str, list[np.ndarray]] = {name: [] for name in names if name not in text}
    for batch in batches:
        for name, array in zip(names, batch.columns, strict=True):
            if name in text:
                encoded = pc.dictionary_encode(array)
                known = seen[name]
                # the last slot answers index -1, a missing value
                lookup = np.array([known.setdefault(v, len(known)) for v in encoded.dictionary.to_pylist()] + [-1])
                small = np.int16 if len(known) < 2**15 else np.int32
                codes[name].append(lookup[encoded.indices.fill_null(-1).to_numpy()].astype(small))
            else:  # copied: a column of the exported batch would keep the whole batch alive
                other[name].append(np.array(array.to_numpy(zero_copy_only=False), copy=True))
    if not any(other.values()) and not any(codes.values()):
        return batches.schema.empty_table().to_pandas(date_as_object=False)
    columns = {}
    for name in names:
        if name not in text:
            columns[name] = np.concatenate(other.pop(name))
            continue
        values = list(seen[name])
        order = sorted(range(len(values)), key=values.__getitem__)
        rank = np.full(len(values) + 1, -1, dtype=np.int32)
        rank[order] = np.arange(len(values), dtype=np.int32)
        all_codes = np.concatenate(codes.pop(name)) if codes[name] else np.empty(0, dtype=np.int32)
        # the codes are valid by construction (-1 or a category's rank), so pandas need not check them
        columns[name] = pd.Categorical.from_codes(
            rank[all_codes], categories=[values[i] for i in order], validate=False
        )
    return pd.DataFrame(columns, columns=names, copy=False)


# --- units: what each row tests ---------------------------------------------------------


def _natural(item: str) -> tuple:
    """Sort key that puts 2.9 before 2.10."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-_]", str(item)))


def _factorized(column: pd.Series) -> tuple[np.ndarray, list]:
    """Codes (-1 for a missing value) and the value of each code; a categorical's own codes, without a copy."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), list(column.cat.categories)
    codes, uniques = pd.factorize(column)
    return codes, list(uniques)


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a characteristic and the value of each code; a missing value is "unknown"."""
    codes, uniques = _factorized(column)
    values = [str(v) for v in uniques]
    if (codes < 0).any():
        if "unknown" not in values:
            values.append("unknown")
        codes = np.where(codes < 0, values.index("unknown"), codes.astype(np.int32))
    return (codes.astype(np.int32) if codes.dtype.itemsize > 4 else codes), values


def _units(coded: _Coded, piece: _Piece, scopes: tuple[str, ...] = SCOPES) -> Iterator[_Unit]:
    """Question units (one response per relevant case), then standard and area units (one case score each),
    of the given scopes.

    Works on positions and integer codes. A question's answers are counted (_counts), which no order of
    rows changes. Cases are numbered in (inspection, case_key) order, and a standard's or area's scores
    are listed in case order, so no sum over them depends on the order rows arrive in either."""
    case, question = piece.case, piece.question
    # the piece's inspections, ranked in their sorted order (the strata)
    present = np.zeros(int(coded.inspection.max()) + 1 if len(coded.inspection) else 0, dtype=bool)
    present[coded.inspection[case]] = True
    rank = (np.cumsum(present) - 1).astype(np.int32)
    case_stratum = rank[coded.inspection]
    stratum = case_stratum[case]
    yes = piece.yes.astype(float)
    if "question" in scopes:
        # question numbers in the smallest integer type that holds them: numpy sorts 8- and 16-bit
        # integers by radix (about 7x faster than int32 on a scale-1000 piece), in the same stable order
        order = np.argsort(question.astype(np.min_scalar_type(len(coded.questions)), copy=False), kind="stable")
        starts = np.searchsorted(question[order], np.arange(len(coded.questions) + 1))
        chosen = [i for i in range(len(coded.questions)) if starts[i + 1] > starts[i]]
        for i in sorted(chosen, key=lambda i: _natural(coded.questions[i])):
            at = order[starts[i] : starts[i + 1]]
            yield _Unit(
                "question",
                coded.questions[i],
                coded.level[i],
                coded.standard[i],
                coded.area[i],
                coded.values,
                counts=_counts(stratum[at], case[at], yes[at], coded),
            )

    n_cases = len(coded.inspection)
    for scope, items in (("standard", coded.standard), ("area", coded.area)):
        if scope not in scopes:
            continue
        names = sorted({v for v in items if v is not None})
        item_of_question = np.array([names.index(v) if v is not None else -1 for v in items], dtype=np.int64)
        item = np.where(coded.key_question, item_of_question, -1)[question] if len(question) else question
        rows = np.flatnonzero(item >= 0)
        if not len(rows):
            continue
        # a case's score for an item: the share of its answered key questions answered yes, each sum
        # taken over the case's rows in row order (one bincount over the cases per item; a piece holds
        # one standard's or area's key questions)
        of_item = item[rows]
        in_piece = np.flatnonzero(np.bincount(of_item, minlength=len(names)))
        for j in sorted(in_piece, key=lambda j: _natural(names[j])):
            at = rows[of_item == j]
            answered = np.bincount(case[at], minlength=n_cases)
            cases = np.flatnonzero(answered)
            score = np.bincount(case[at], weights=yes[at], minlength=n_cases)[cases] / answered[cases]
            yield _Unit(
                scope,
                str(names[j]),
                None,
                str(names[j]) if scope == "standard" else None,
                str(names[j]) if scope == "area" else None,
                coded.values,
                x=score,
                stratum=case_stratum[cases],
                labels={c: codes[cases] for c, codes in coded.labels.items()},
            )


def _counts(stratum: np.ndarray, case: np.ndarray, yes: np.ndarray, coded: _Coded) -> dict:
    """A question's relevant cases and yes answers by stratum and value, for each characteristic column:
    column -> (n[s, v], t[s, v]), whole numbers as floats."""
    n_strata = int(stratum.max()) + 1 if len(stratum) else 0
    counts = {}
    for column, codes in coded.labels.items():
        width = len(coded.values[column])
        cell = stratum * width + codes[case]
        size = n_strata * width
        n = np.bincount(cell, minlength=size).astype(float).reshape(n_strata, width)
        t = np.bincount(cell, weights=yes, minlength=size).reshape(n_strata, width)
        counts[column] = (n, t)
    return counts


def _day(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


# --- one comparison ----------------------------------------------------------------------


def _compare(unit: _Unit, comparison: Comparison) -> dict:
    """Pooled and stratified tests of one unit for one characteristic, before adjustment."""
    values = unit.values[comparison.column]
    if unit.counts is not None:
        n_sv, t_sv = unit.counts[comparison.column]
        cases_per_value = n_sv.sum(axis=0).astype(np.int64)
    else:
        cases_per_value = np.bincount(unit.labels[comparison.column], minlength=len(values))
    present = {values[i] for i in np.flatnonzero(cases_per_value)}
    groups = sorted(
        present - set(comparison.excluded),
        key=lambda v: (comparison.order.index(v) if v in comparison.order else len(comparison.order), v),
    )
    row: dict = {
        "scope": unit.scope,
        "item_id": unit.item_id,
        "level": unit.level,
        "standard_id": unit.standard_id,
        "area": unit.area,
        "characteristic": comparison.characteristic,
        "groups_compared": " vs ".join(groups),
        "test": "none",
        "stratified_test": "none",
    }
    notes = []
    left_out = [(v, int(cases_per_value[values.index(v)])) for v in comparison.excluded if v in present]
    row["n_excluded"] = sum(n for _, n in left_out)
    if left_out:
        notes.append("left out: " + ", ".join(f"{n} {v}" for v, n in left_out))

    chosen = [values.index(value) for value in groups]  # group i is value chosen[i]
    k = len(groups)
    row["n_cases"] = int(cases_per_value[chosen].sum())
    if k < 2:
        only = f"only {groups[0]} cases" if groups else "no cases with a known value"
        row["note"] = "; ".join([*notes, f"{only} in scope: nothing to compare"])
        return row

    if unit.counts is not None:  # yes/no answers: every test reads the counts
        sums = yes_no_sums(n_sv[:, chosen], t_sv[:, chosen])
        n_g, yes_g = sums[0].sum(axis=0), sums[1].sum(axis=0)
        _direction(row, groups, n_g, yes_g / n_g)
        if _pooled_binary(yes_g, n_g, groups, row, notes):
            _stratified(row, notes, sums, groups, binary=True)
    else:  # case scores: the rank tests read the scores
        group_of_value = np.full(len(values), -1, dtype=np.intp)
        group_of_value[chosen] = np.arange(k)
        g_all = group_of_value[unit.labels[comparison.column]]
        kept = g_all >= 0
        x, g, s = unit.x[kept], g_all[kept], unit.stratum[kept]
        n_g = np.bincount(g, minlength=k)
        _direction(row, groups, n_g, np.bincount(g, weights=x, minlength=k) / n_g)
        if _pooled_scores(x, g, groups, n_g, row, notes):
            _stratified(row, notes, stratum_sums(x, g, s, k), groups, binary=False)
    row["note"] = "; ".join(notes)
    return row


def _direction(row: dict, groups: list[str], n_g: np.ndarray, mean_g: np.ndarray) -> None:
    high, low = int(np.argmax(mean_g)), int(np.argmin(mean_g))
    row["gap_pp"] = 100 * float(mean_g[high] - mean_g[low])
    if row["gap_pp"] > 0:
        row |= {"higher_group": groups[high], "lower_group": groups[low]}
    row |= {
        "higher_pct": 100 * float(mean_g[high]),
        "lower_pct": 100 * float(mean_g[low]),
        "higher_n": int(n_g[high]),
        "lower_n": int(n_g[low]),
    }


def _pooled_binary(yes_g, n_g, groups, row, notes) -> bool:
    """Chi-square when every expected count is 5 or more, Fisher for a 2 x 2 that fails, else none."""
    k = len(groups)
    table = np.column_stack([yes_g, n_g - yes_g])
    totals = table.sum(axis=0)
    if totals.min() == 0:
        answer = "yes" if totals[1] == 0 else "no"
        notes.append(f"every relevant case answered {answer}: no difference to test")
        row["effect_size"], row["effect_measure"] = (0.0, "risk_difference") if k == 2 else (np.nan, "cramers_v")
        return False
    expected = np.outer(n_g, totals) / totals.sum()
    row["min_expected"] = float(expected.min())
    chi2 = stats.chi2_contingency(table, correction=False)
    if k == 2:
        row["effect_size"], row["effect_measure"] = row["gap_pp"] / 100, "risk_difference"
    else:
        row["effect_size"], row["effect_measure"] = float(np.sqrt(chi2.statistic / totals.sum())), "cramers_v"
    if expected.min() >= MIN_EXPECTED:
        row |= {"test": "chi2", "statistic": float(chi2.statistic), "dof": int(chi2.dof), "p_value": float(chi2.pvalue)}
        return True
    if k == 2:
        fisher = stats.fisher_exact(table)
        row |= {"test": "fisher", "statistic": float(fisher.statistic), "p_value": float(fisher.pvalue)}
        notes.append(f"smallest expected count {expected.min():.1f} is below {MIN_EXPECTED:g}: Fisher's exact test")
        return True
    notes.append(
        f"smallest expected count {expected.min():.1f} is below {MIN_EXPECTED:g} in a {k} x 2 table: "
        "no test (a chi-square p-value would be unreliable)"
    )
    return False


def _pooled_scores(x, g, groups, n_g, row, notes) -> bool:
    """Mann-Whitney for two groups, Kruskal-Wallis for more, on the case scores."""
    k = len(groups)
    row["effect_measure"] = "mean_difference" if k == 2 else "epsilon_squared"
    if k == 2:
        row["effect_size"] = row["gap_pp"] / 100
    small = [f"{groups[i]} ({n})" for i, n in enumerate(n_g) if n < MIN_GROUP_CASES]
    if small:
        notes.append(f"fewer than {MIN_GROUP_CASES} cases in {', '.join(small)}: no test")
        return False
    if np.ptp(x) == 0:
        notes.append("every case has the same score: no difference to test")
        return False
    samples = [x[g == i] for i in range(k)]
    if k == 2:
        result = stats.mannwhitneyu(*samples, alternative="two-sided")
        row |= {"test": "mann_whitney", "statistic": float(result.statistic), "p_value": float(result.pvalue)}
    else:
        result = stats.kruskal(*samples)
        row |= {
            "test": "kruskal_wallis",
            "statistic": float(result.statistic),
            "dof": k - 1,
            "p_value": float(result.pvalue),
            "effect_size": float(result.statistic) / (len(x) - 1),
        }
    return True


def _stratified(row, notes, sums: Sums, groups, binary: bool) -> None:
    """The same comparison within inspections (from the cases' sums per stratum and group), and the
    direction it sees."""
    result: StratifiedResult
    if binary and len(groups) == 2:
        result = cmh_test(tables_of(sums))
    else:
        result = mean_score_test(sums)
        if binary:
            result = replace(result, test="cmh_general")
    row |= {
        "stratified_test": result.test,
        "stratified_statistic": result.statistic,
        "stratified_dof": result.dof,
        "p_stratified": result.pvalue,
        "n_strata": result.n_strata,
    }
    if np.isnan(result.pvalue):
        row["stratified_test"] = "none"
        notes.append("no inspection has cases of two groups with different results: no stratified test")
        return
    if result.test == "cmh_exact":
        notes.append("too few cases for the CMH chi-square (Mantel-Fleiss criterion): exact conditional test")
    deviation = within_stratum_deviation(sums)
    high, low = int(np.nanargmax(deviation)), int(np.nanargmin(deviation))
    if deviation[high] > deviation[low]:
        row |= {
            "stratified_higher_group": groups[high],
            "stratified_lower_group": groups[low],
            "stratified_gap_pp": 100 * mantel_haenszel_difference(sums, high, low),
        }


# --- adjustment and the decision ---------------------------------------------------------


def benjamini_hochberg(p: pd.Series) -> pd.Series:
    """Benjamini-Hochberg adjusted p-values; rows without a test stay empty and do not count."""
    out = pd.Series(np.nan, index=p.index)
    tested = p.notna()
    if tested.any():
        out[tested] = stats.false_discovery_control(p[tested].to_numpy(dtype=float), method="bh")
    return out


def _higher(group) -> str:
    """'female is higher', or, where the two groups' means are equal (a rank test can still differ), so."""
    return f"{group} is higher" if isinstance(group, str) else "neither group is higher"


def _within_words(row) -> str:
    """What a pooled gap that the stratified test does not confirm looks like within inspections.

    It lies between services when there is no gap within them, it runs the other way, or it is less
    than half the pooled gap; otherwise it is as large within inspections, just not significant."""
    within = row.stratified_gap_pp
    reversed_ = row.groups_compared.count(" vs ") == 1 and row.stratified_higher_group != row.higher_group
    if pd.isna(within) or reversed_ or abs(within) < row.gap_pp / 2:
        return "the gap lies mostly between services"
    return "within inspections the gap is at least half as large, but not significant"


def _decide(result: pd.DataFrame, alpha: float, min_gap_pp: float) -> pd.DataFrame:
    """Adjust within each framework x characteristic; flag what both tests find, in the same direction."""
    if result.empty:
        return result
    result = result.copy()
    family = result.groupby(["framework", "characteristic"], sort=False)
    result["p_adjusted"] = family["p_value"].transform(benjamini_hochberg)
    result["p_stratified_adjusted"] = family["p_stratified"].transform(benjamini_hochberg)
    pooled = result["p_adjusted"].lt(alpha)
    within = result["p_stratified_adjusted"].lt(alpha)
    two_groups = result["groups_compared"].str.count(" vs ").eq(1)
    same_way = ~two_groups | result["stratified_higher_group"].eq(result["higher_group"]).fillna(False)
    result["significant"] = pooled & within & same_way
    result["below_min_gap"] = result["gap_pp"].lt(min_gap_pp).where(result["gap_pp"].notna())

    notes = []
    for row, is_pooled, is_within, agrees in zip(result.itertuples(), pooled, within, same_way, strict=True):
        extra = []
        if row.test != "none":
            if is_pooled and row.stratified_test == "none":
                extra.append("significant pooled, but no stratified test was possible: not flagged")
            elif is_pooled and not is_within:
                extra.append(
                    f"significant pooled but not within inspections (stratified adjusted p "
                    f"{row.p_stratified_adjusted:.2g}): {_within_words(row)}, not flagged"
                )
            elif is_within and not is_pooled:
                extra.append(
                    f"significant within inspections (stratified adjusted p {row.p_stratified_adjusted:.2g}) "
                    "but not pooled: not flagged"
                )
            elif is_pooled and is_within and not agrees:
                extra.append(
                    f"within inspections {_higher(row.stratified_higher_group)}, pooled "
                    f"{_higher(row.higher_group)}: not flagged"
                )
            elif is_pooled and is_within and row.gap_pp < min_gap_pp:
                extra.append(
                    f"significant, but the gap of {row.gap_pp:.1f} points is below the {min_gap_pp:g}-point minimum"
                )
        notes.append("; ".join(part for part in [row.note, *extra] if isinstance(part, str) and part))
    result["note"] = notes
    return result
