"""Read the marts a briefing needs, for one framework and period, through a read-only connection.

The connection to DIR/marts/yotbench.duckdb is opened read-only and closed before any
output is written (a reader holds a lock that would block a writer of the same file;
the nightly build swaps a new file in with os.replace, so it is not blocked, but a
reader should still not linger). For a period that holds all of a framework's
inspections the significance tests are marts.significance's, for its latest financial
year marts.significance_by_period's; for any other period they are run afresh on the
period's cases (yotbench.gaps on int_answers_enriched, built from the current store on a
private in-memory connection).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from yotbench.briefing.tables import MartFrames
from yotbench.config import RunConfig
from yotbench.errors import YotbenchError


class BriefingInputMissing(YotbenchError):
    """The marts a briefing reads are not there (no run has built them yet)."""


# Each query reads one mart for one framework and period; values are bound, never formatted in.
QUERIES = {
    "inspections": """
        select inspection_id, provider, fieldwork_start, fieldwork_end, cases
        from marts.inspections
        where framework = $framework and fieldwork_end between $date_from and $date_to
        order by fieldwork_end, inspection_id
    """,
    "question_results": """
        select question_id, standard_id, level, inspections, relevant_cases, yes_cases,
               cast(pct_yes as double) as pct_yes, cast(ci_low as double) as ci_low,
               cast(ci_high as double) as ci_high
        from marts.question_results_between($date_from, $date_to)
        where framework = $framework
        order by question_order
    """,
    "case_characteristics": """
        select characteristic, group_value, cases, cast(pct_cases as double) as pct_cases
        from marts.case_characteristics_between($date_from, $date_to)
        where framework = $framework
        order by characteristic, group_value
    """,
    "characteristic_results": """
        select question_id, characteristic, group_value, relevant_cases, yes_cases
        from marts.characteristic_results_between($date_from, $date_to)
        where framework = $framework and level = 'key_question'
        order by question_order, characteristic, group_value
    """,
    "standard_ratings": """
        select inspection_id, standard_id, final_rating, score
        from marts.standard_ratings
        where framework = $framework and fieldwork_end between $date_from and $date_to
    """,
    "inspection_ratings": """
        select inspection_id, final_score, max_score, final_rating, complete
        from marts.inspection_ratings
        where framework = $framework and fieldwork_end between $date_from and $date_to
    """,
    "benchmark_values": """
        select item_kind, item_id, item_label, item_order, inspection_id, value, base
        from marts.benchmarks_between($date_from, $date_to)
        where framework = $framework
        order by item_kind, item_order, inspection_id
    """,
}


def _connect_read_only(config: RunConfig, db: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The published marts, or `db` (the nightly flow reads its own finished build before publishing it)."""
    path = db or config.marts_db
    if not path.exists():
        raise BriefingInputMissing(f"no analyst database at {path}: run `yotbench run` first to build the marts")
    return duckdb.connect(str(path), read_only=True)


def period_significance(config: RunConfig, framework: str, date_from: date, date_to: date) -> pd.DataFrame:
    """marts.significance rows for the cases of one framework and period (yotbench.gaps).

    The period's answers are read through views over the store cache and tested a standard at a
    time (gaps.significance_of), as the nightly significance step does: at scale 100 the
    programme-to-date briefing reads 7 million answers, which as one pandas text frame took 35 s
    and several GB."""
    from yotbench.gaps import ended_between, significance_of
    from yotbench.marts import close_case_level, open_case_level

    con = duckdb.connect()
    try:
        open_case_level(con, config, keep_attached=True, only=["int_answers_enriched"])
        period = (
            con.table("int_answers_enriched")
            .filter(duckdb.ColumnExpression("framework") == duckdb.ConstantExpression(framework))
            .filter(ended_between(date_from, date_to))
        )
        result = significance_of(period, alpha=config.alpha, min_gap_pp=config.min_gap_pp)
        close_case_level(con)
    finally:
        con.close()
    return result


def read_marts(
    config: RunConfig, *, framework: str, date_from: date, date_to: date, db: Path | None = None
) -> MartFrames:
    """Everything one briefing reads from the marts (and the period's significance tests)."""
    if date_from > date_to:
        raise ValueError(f"the period starts ({date_from}) after it ends ({date_to})")
    params = {"framework": framework, "date_from": date_from, "date_to": date_to}
    con = _connect_read_only(config, db)
    try:
        frames = {name: con.execute(sql, params).df() for name, sql in QUERIES.items()}
        programme = programme_significance(con, framework, date_from, date_to)
    except duckdb.CatalogException as exc:
        raise BriefingInputMissing(f"{config.marts_db} lacks a mart the briefing reads: {exc}") from None
    finally:
        con.close()
    if frames["inspections"].empty:
        raise BriefingInputMissing(
            f"no {framework} inspection has fieldwork ending between {date_from} and {date_to} in {config.marts_db}"
        )
    for column in ("fieldwork_start", "fieldwork_end"):
        frames["inspections"][column] = pd.to_datetime(frames["inspections"][column]).dt.date
    if programme is None:
        programme = period_significance(config, framework, date_from, date_to)
    return MartFrames(
        framework=framework, date_from=date_from, date_to=date_to, significance=programme, db=db, **frames
    )


def programme_significance(
    con: duckdb.DuckDBPyConnection, framework: str, date_from: date, date_to: date
) -> pd.DataFrame | None:
    """The marts' tests for the period: marts.significance's rows when it holds every one of the
    framework's inspections (the programme to date: the same cases, so the same tests), or
    marts.significance_by_period's when it is the latest financial year (the nightly year briefing).
    None for any other period, or when the marts lack the table: then the tests are run on the
    period's cases."""
    from yotbench.gaps import COLUMNS

    params = {"framework": framework, "date_from": date_from, "date_to": date_to}
    try:
        outside = con.execute(
            "select count(*) from marts.inspections where framework = $framework "
            "and not fieldwork_end between $date_from and $date_to",
            params,
        ).fetchall()[0][0]
        if outside:
            rows = con.execute(
                "select * from marts.significance_by_period where framework = $framework "
                "and period_kind = 'financial_year' and period_start = $date_from and period_end = $date_to",
                params,
            )
        else:
            rows = con.execute(
                "select * from marts.significance where framework = $framework", {"framework": framework}
            )
    except duckdb.CatalogException:
        return None
    frame = rows.df()
    if outside and frame.empty:  # not a period the marts tested
        return None
    frame = frame[list(COLUMNS)]
    for column, dtype in COLUMNS.items():  # DATE columns come back as timestamps; gaps keeps datetime.date
        if dtype == "object" and pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = pd.Series([None if pd.isna(v) else v.date() for v in frame[column]], dtype="object")
    return frame.astype(COLUMNS)


def nightly_periods(config: RunConfig, db: Path | None = None) -> list[tuple[str, date, date]]:
    """(framework, from, to) for the latest financial year of each framework and its programme to date."""
    from yotbench.marts import nightly_periods_of

    con = _connect_read_only(config, db)
    try:
        rows = nightly_periods_of(con)
    finally:
        con.close()
    return [(framework, start, end) for framework, _, _, start, end in rows]


def frameworks_in_period(config: RunConfig, date_from: date, date_to: date) -> list[str]:
    """Frameworks with at least one inspection whose fieldwork ended in the period."""
    con = _connect_read_only(config)
    try:
        rows = con.execute(
            "select distinct framework from marts.inspections where fieldwork_end between $date_from and $date_to "
            "order by framework",
            {"date_from": date_from, "date_to": date_to},
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]
