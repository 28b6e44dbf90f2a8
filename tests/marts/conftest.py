"""Given/expect helpers: a few landed rows in, the marts built in a real in-memory DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from yotbench import marts
from yotbench.frameworks import Framework, load_frameworks
from yotbench.landing import ARROW_SCHEMAS

RATING_RULES = {
    "standard_rule": "lowest_key_question",
    "question_bands": [
        {"rating": "inadequate", "min_pct": 0, "score": 0},
        {"rating": "requires_improvement", "min_pct": 50, "score": 1},
        {"rating": "good", "min_pct": 65, "score": 2},
        {"rating": "outstanding", "min_pct": 80, "score": 3},
    ],
    "overall_bands": [
        {"rating": "inadequate", "min_score": 0, "max_score": 1},
        {"rating": "requires_improvement", "min_score": 2, "max_score": 3},
        {"rating": "good", "min_score": 4, "max_score": 5},
        {"rating": "outstanding", "min_score": 6, "max_score": 6},
    ],
    "discretion": {"window_pp": 5, "one_case_changes_rating": True, "max_cases": 5},
}

# A two-standard framework with yos-2018's rating rules: one judged standard, one case
# standard with two key questions (the first with a prompt). Overall 0-6.
MINI = Framework.model_validate(
    {
        "id": "mini",
        "name": "Two-standard test framework",
        "areas": [{"id": "desistance", "name": "Desistance"}, {"id": "child_safety", "name": "Child safety"}],
        "domains": [
            {
                "id": "1",
                "name": "Organisational",
                "standards": [{"id": "1.1", "name": "Leadership", "rated_by": "judgement"}],
            },
            {
                "id": "2",
                "name": "Court",
                "case_types": ["court"],
                "standards": [
                    {
                        "id": "2.1",
                        "name": "Assessment",
                        "key_questions": [
                            {
                                "id": "2.1.1",
                                "text": "Desistance?",
                                "area": "desistance",
                                "na_allowed": False,
                                "prompts": [{"id": "2.1.1.a", "text": "Offending analysed?", "na_allowed": True}],
                            },
                            {"id": "2.1.2", "text": "Child safe?", "area": "child_safety", "na_allowed": True},
                        ],
                    }
                ],
            },
        ],
        "rating": RATING_RULES,
    }
)


def landed(table: str, rows: list[dict]) -> pa.Table:
    """Rows shaped as landing writes them; lineage columns left null, ISO dates parsed."""
    schema = ARROW_SCHEMAS[table]
    out = []
    for row in rows:
        full = {name: row.get(name) for name in schema.names}
        for name in ("fieldwork_start", "fieldwork_end", "published"):
            if isinstance(full.get(name), str):
                full[name] = dt.date.fromisoformat(full[name]) if full[name] else None
        out.append(full)
    return pa.Table.from_pylist(out, schema=schema)


def inspection(inspection_id: str, framework: str = "mini", end: str = "2020-09-24", **extra) -> dict:
    start = (dt.date.fromisoformat(end) - dt.timedelta(days=3)).isoformat()
    return {
        "inspection_id": inspection_id,
        "framework": framework,
        "provider": f"{inspection_id} YOS",
        "region": "North East",
        "nation": "england",
        "fieldwork_start": start,
        "fieldwork_end": end,
        **extra,
    }


def case(inspection_id: str, ref: str, **extra) -> dict:
    row = {
        "inspection_id": inspection_id,
        "case_ref": ref,
        "case_type": "court",
        "disposal": "referral_order",
        "gender": "male",
        "ethnicity": "white",
        "looked_after": "no",
        "age": 15,
        "rosh": "medium",
        "safety_wellbeing": "medium",
    }
    return {**row, **extra}


def answers(inspection_id: str, question_id: str, yes: int, no: int, na: int = 0, first: int = 0) -> list[dict]:
    """yes, then no, then na answers to one question, for cases c{first}, c{first+1}, ..."""
    codes = ["yes"] * yes + ["no"] * no + ["na"] * na
    return [
        {"inspection_id": inspection_id, "case_ref": f"c{first + i}", "question_id": question_id, "answer": a}
        for i, a in enumerate(codes)
    ]


def build(
    inspections: list[dict],
    cases: list[dict],
    answer_rows: list[dict],
    ratings: list[dict] | None = None,
    frameworks: list[Framework] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Every model built over the given rows, with every invariant checked."""
    con = duckdb.connect()
    marts.register_landed_tables(
        con,
        {
            "inspections": landed("inspections", inspections),
            "cases": landed("cases", cases),
            "answers": landed("answers", answer_rows),
            "ratings": landed("ratings", ratings or []),
        },
    )
    marts.register_frameworks(con, frameworks if frameworks is not None else [MINI])
    marts.register_run(con, "test-run", dt.datetime(2021, 2, 1, tzinfo=dt.UTC))
    marts.create_models(con, marts.LAYERS)
    marts.check_invariants(con)
    return con


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


@pytest.fixture(scope="session")
def yos() -> Framework:
    return load_frameworks()["yos-2018"]


def landed_submission(tables: dict) -> dict[str, pa.Table]:
    """A submission's text tables (as the sample generator writes them) shaped as landed."""
    inspection_id = tables["inspection"]["inspection_id"].iloc[0]
    out = {"inspections": landed("inspections", tables["inspection"].to_dict("records"))}
    for source, table in (("cases", "cases"), ("answers", "answers"), ("ratings", "ratings")):
        if source not in tables:
            continue
        records = tables[source].assign(inspection_id=inspection_id).to_dict("records")
        for record in records:
            if "age" in record:
                record["age"] = int(record["age"])
            if record.get("reason") == "":
                record["reason"] = None
        out[table] = landed(table, records)
    return out


def build_landed(tables: dict[str, pa.Table], frameworks: list[Framework]) -> duckdb.DuckDBPyConnection:
    """Every model built over already-landed tables, with every invariant checked."""
    con = duckdb.connect()
    marts.register_landed_tables(con, tables)
    marts.register_frameworks(con, frameworks)
    marts.register_run(con, "test-run", dt.datetime(2021, 2, 1, tzinfo=dt.UTC))
    marts.create_models(con, marts.LAYERS)
    marts.check_invariants(con)
    return con
