"""The SQL models and their sidecars: one SELECT per file, documented, ordered, and docs/marts.md
generated from them."""

from __future__ import annotations

import re

import duckdb
import pytest

from yotbench import marts
from yotbench.config import SQL_DIR
from yotbench.marts_docs import DOC_PATH, render


def test_every_sql_file_has_a_sidecar_and_is_one_select():
    models = marts.load_models()
    sql_files = sorted(p for layer in marts.LAYERS for p in (SQL_DIR / layer).glob("*.sql"))
    sidecars = sorted(p for layer in marts.LAYERS for p in (SQL_DIR / layer).glob("*.yml"))
    assert sorted(m.path for m in models if m.sidecar.materialized != "external") == sql_files
    assert sorted(m.path.with_suffix(".yml") for m in models) == sidecars
    for model in models:
        if model.sidecar.materialized == "external":
            continue
        code = re.sub(r"'[^']*'", "''", re.sub(r"--[^\n]*", "", model.sql)).strip().lower()
        assert re.match(r"(with|select)\s", code), model.name
        assert not re.search(r"\b(create|drop|insert|update|delete|attach|copy)\b", code), model.name
        assert ";" not in code, model.name


def test_models_come_after_what_they_read():
    seen: set[str] = set()
    for model in marts.load_models():
        assert {d for d in model.depends_on if d in {m.relation for m in marts.load_models()}} <= seen, model.name
        seen.add(model.relation)
    order = [m.relation for m in marts.load_models()]
    assert (
        order.index("stg_answers")
        < order.index("int_answers_enriched")
        < order.index("marts.inspection_characteristic_results")
        < order.index("marts.characteristic_results")
    )


def test_case_level_models_are_never_marts():
    for model in marts.load_models():
        if model.layer == "marts":
            assert "case_ref" not in model.sidecar.columns and "case_key" not in model.sidecar.columns, model.name
        else:
            assert model.sidecar.materialized in ("view", "table")


def test_docs_are_generated_from_the_sidecars():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run: python -m yotbench.marts_docs"
    text = render()
    for model in marts.load_models():
        assert f"`{model.relation}" in text, model.name
        for column in model.sidecar.columns:
            assert f"`{column}`" in text
    assert "int_answers_enriched" in text and "open_case_level" in text


def test_an_external_table_is_checked_against_its_sidecar(tmp_path):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "significance.yml").write_text(
        "description: Added by another step.\n"
        "materialized: external\n"
        "grain: [test_id]\n"
        "columns:\n  test_id: Test.\n  p_value: p.\n"
        "invariants:\n"
        "  - name: p_in_range\n    description: 0 <= p <= 1\n"
        "    sql: select * from marts.significance where not p_value between 0 and 1\n",
        encoding="utf-8",
    )
    with duckdb.connect() as con:
        con.execute("create schema marts")
        # absent: nothing to check
        assert marts.check_invariants(con, ("marts",), external_only=True, sql_dir=tmp_path) == 0
        con.execute(
            "create table marts.significance as select * from (values ('a', 0.5), ('b', 0.01)) t(test_id, p_value)"
        )
        assert marts.check_invariants(con, ("marts",), external_only=True, sql_dir=tmp_path) == 3
        con.execute("insert into marts.significance values ('b', 1.5)")
        with pytest.raises(marts.MartInvariantFailed, match="grain_unique returned 1 row"):
            marts.check_invariants(con, ("marts",), external_only=True, sql_dir=tmp_path)
        con.execute("delete from marts.significance where p_value = 0.01")
        with pytest.raises(marts.MartInvariantFailed, match="p_in_range"):
            marts.check_invariants(con, ("marts",), external_only=True, sql_dir=tmp_path)
        con.execute("alter table marts.significance add column extra integer")
        with pytest.raises(marts.MartInvariantFailed, match="columns_match_sidecar"):
            marts.check_invariants(con, ("marts",), external_only=True, sql_dir=tmp_path)


def test_the_grain_check_lists_exactly_the_repeated_keys():
    """The hashed pre-grouping must give the rows of a plain GROUP BY ... HAVING count(*) > 1, missing keys included."""
    with duckdb.connect() as con:
        con.execute(
            "create table t as select * from (values "
            "('i1', 'c1', 'q1'), ('i1', 'c1', 'q1'), ('i1', 'c1', 'q1'), "  # three times
            "('i1', 'c1', 'q2'), ('i1', 'c2', 'q1'), "  # once each
            "('i2', null, 'q1'), ('i2', null, 'q1'), "  # a missing key part, twice
            "(null, null, null), ('i2', 'q1', null)"  # once each
            ") as v(inspection_id, case_ref, question_id)"
        )
        con.execute("insert into t select 'j' || (i % 5000), 'c' || (i % 7), 'q' || i from range(20000) r(i)")
        con.execute("insert into t select 'j' || (i % 5000), 'c' || (i % 7), 'q' || i from range(19990, 20000) r(i)")
        found = con.sql(marts._grain_check("t", ["inspection_id", "case_ref", "question_id"])).fetchall()
        plain = con.sql(
            "select inspection_id, case_ref, question_id, count(*) from t group by all having count(*) > 1"
        ).fetchall()
    key = lambda row: tuple("" if v is None else str(v) for v in row)  # noqa: E731
    assert sorted(found, key=key) == sorted(plain, key=key)
    assert len(found) == 12
    assert ("i1", "c1", "q1", 3) in found and ("i2", None, "q1", 2) in found
