"""The SQL models and their sidecars: one SELECT per file, documented, ordered, and docs/marts.md
generated from them."""

from __future__ import annotations

import re

from yotbench import marts
from yotbench.config import SQL_DIR
from yotbench.marts_docs import DOC_PATH, render


def test_every_sql_file_has_a_sidecar_and_is_one_select():
    models = marts.load_models()
    files = sorted(p for layer in marts.LAYERS for p in (SQL_DIR / layer).glob("*.sql"))
    assert sorted(m.path for m in models) == files
    assert sorted(p.with_suffix(".yml") for p in files) == sorted(
        p for layer in marts.LAYERS for p in (SQL_DIR / layer).glob("*.yml")
    )
    for model in models:
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
