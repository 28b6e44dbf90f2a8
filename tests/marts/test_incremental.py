"""Incremental builds: from a copy of the published file, only the changed inspections' rows of the
per-inspection tables are recomputed and checked, and the result is the full build's, row for row."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.ops.helpers import assert_same_marts
from yotbench import marts
from yotbench.config import RunConfig
from yotbench.frameworks import load_frameworks
from yotbench.pipeline import land_pending
from yotbench.sample import generate_inspection, write_submission


def _write(config: RunConfig, framework: str, index: int, fmt: str = "csv") -> str:
    tables = generate_inspection(load_frameworks()[framework], index)
    inspection = tables["inspection"]["inspection_id"].iloc[0]
    write_submission(tables, config.raw_dir, inspection, fmt)
    return inspection


def _land(config: RunConfig) -> dict[str, str]:
    _, outcomes = land_pending(config)
    return {o.name: o.status for o in outcomes}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> RunConfig:
    """Four inspections of two frameworks, landed and published by a full build."""
    config = RunConfig(data_dir=tmp_path_factory.mktemp("incremental") / "data")
    for framework, index in (("yos-2018", 0), ("yos-2018", 1), ("yos-2018", 2), ("sqs-2012", 0)):
        _write(config, framework, index)
    assert set(_land(config).values()) == {"landed"}
    marts.publish_marts(marts.build_marts(config, "base"), config)
    return config


@pytest.fixture
def data(base, tmp_path) -> RunConfig:
    """A copy of the base data folder, to change."""
    shutil.copytree(base.data_dir, tmp_path / "data")
    config = RunConfig(data_dir=tmp_path / "data")
    marts.stamp_published(config)  # a copied file is another file (inode): as if published here
    return config


def build_info(db) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select build_kind, inspections_rebuilt, inspections from marts.build_info").fetchall()[0]


def assert_incremental_equals_full(config: RunConfig, rebuilt: int):
    incremental = marts.build_marts(config, "incremental", incremental=True)
    full = marts.build_marts(config, "full")
    assert build_info(incremental)[:2] == ("incremental", rebuilt)
    assert build_info(full)[:2] == ("full", None)
    assert_same_marts(incremental, full)
    return incremental


def test_a_new_inspection_is_added_to_a_copy_and_gives_the_full_builds_rows(data):
    new = _write(data, "yos-2018", 3)
    assert _land(data) == {new: "landed"}
    assert marts.changed_inspections(data) == [new]
    assert_incremental_equals_full(data, rebuilt=1)


def test_a_relanded_inspection_loses_its_old_rows(data, monkeypatch):
    monkeypatch.setattr(marts, "INCREMENTAL_MAX_SHARE", 1.0)
    answers = data.raw_dir / "yos-00002" / "answers.csv"
    text = answers.read_text(encoding="utf-8")
    flipped = text.replace(',"yes"\n', ',"no"\n', 3)
    assert flipped != text
    answers.write_text(flipped, encoding="utf-8")
    new = _write(data, "sqs-2012", 1)
    assert _land(data) == {"yos-00002": "landed", new: "landed"}
    assert marts.changed_inspections(data) == sorted(["yos-00002", new])
    assert_incremental_equals_full(data, rebuilt=2)


def test_an_inspection_the_store_no_longer_holds_is_deleted(base, data, tmp_path):
    """Published with yos-00004, which the store does not hold: the incremental build drops its rows."""
    other = RunConfig(data_dir=tmp_path / "other")
    shutil.copytree(base.data_dir, other.data_dir)
    gone = _write(other, "yos-2018", 4)
    _land(other)
    marts.publish_marts(marts.build_marts(other, "with-it"), other)
    shutil.copyfile(other.marts_db, data.marts_db)
    marts.stamp_published(data)  # as if published here
    assert marts.changed_inspections(data) == [gone]
    held = "select count(*) from marts.question_results where inspection_id = $i"
    with duckdb.connect(str(data.marts_db), read_only=True) as con:
        assert con.execute(held, {"i": gone}).fetchall()[0][0] > 0
    incremental = assert_incremental_equals_full(data, rebuilt=1)
    with duckdb.connect(str(incremental), read_only=True) as con:
        assert con.execute(held, {"i": gone}).fetchall()[0][0] == 0


def test_the_tables_later_steps_add_are_not_carried_over(data):
    """A full build has no marts.significance until the gaps step adds it; nor has an incremental one."""
    marts.add_significance(data.marts_db, data)
    marts.stamp_published(data)  # as if published with it
    with duckdb.connect(str(data.marts_db), read_only=True) as con:
        assert con.execute("select count(*) from marts.significance").fetchall()[0][0] > 0
    new = _write(data, "yos-2018", 3)
    _land(data)
    assert marts.changed_inspections(data) == [new]
    incremental = assert_incremental_equals_full(data, rebuilt=1)
    with duckdb.connect(str(incremental), read_only=True) as con:
        tables = {
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        }
    assert "significance" not in tables and "significance_by_period" not in tables


def test_nothing_changed_still_rebuilds_the_pooled_tables(data):
    assert marts.changed_inspections(data) == []
    assert_incremental_equals_full(data, rebuilt=0)


def test_a_file_built_by_other_code_is_not_reused(data):
    with duckdb.connect(str(data.marts_db)) as con:
        con.execute("update marts.build_info set code_fingerprint = 'older code'")
    marts.stamp_published(data)  # published so by the older code
    assert marts.changed_inspections(data) is None
    tmp = marts.build_marts(data, "after-upgrade", incremental=True)
    assert build_info(tmp)[:2] == ("full", None)


def test_the_fingerprint_covers_the_sql_the_schemas_and_yotbenchs_python(tmp_path):
    roots = {name: tmp_path / name for name in ("sql", "schemas", "yotbench")}
    for name, root in roots.items():
        root.mkdir()
        (root / ("m.py" if name == "yotbench" else "m.sql")).write_text("1", encoding="utf-8")
    first = marts.code_fingerprint(roots["sql"], roots["schemas"], roots["yotbench"])
    for name, root in roots.items():
        changed = root / ("m.py" if name == "yotbench" else "m.sql")
        changed.write_text("2", encoding="utf-8")
        marts.code_fingerprint.cache_clear()
        assert marts.code_fingerprint(roots["sql"], roots["schemas"], roots["yotbench"]) != first, name
        changed.write_text("1", encoding="utf-8")
    marts.code_fingerprint.cache_clear()
    assert marts.code_fingerprint(roots["sql"], roots["schemas"], roots["yotbench"]) == first


def test_a_published_file_changed_by_hand_is_not_reused(data):
    """Opened read-write and edited (as the DuckDB CLI allows): the next build starts from scratch."""
    assert marts.changed_inspections(data) == []
    with duckdb.connect(str(data.marts_db)) as con:
        con.execute("create table main.scratch as select 1 as x")
        con.execute("update marts.inspections set provider = 'edited' where inspection_id = 'yos-00001'")
    assert marts.changed_inspections(data) is None
    tmp = marts.build_marts(data, "after-edit", incremental=True)
    assert build_info(tmp)[:2] == ("full", None)
    with duckdb.connect(str(tmp), read_only=True) as con:
        assert con.execute("select provider from marts.inspections where inspection_id = 'yos-00001'").fetchall() != [
            ("edited",)
        ]
        assert con.execute("select count(*) from duckdb_tables() where table_name = 'scratch'").fetchall() == [(0,)]


def test_a_published_file_with_a_write_ahead_log_is_not_reused(data):
    wal = data.marts_db.with_name(data.marts_db.name + ".wal")
    wal.write_bytes(b"")
    assert marts.changed_inspections(data) is None
    wal.unlink()
    assert marts.changed_inspections(data) == []


def test_too_many_changes_build_from_scratch(data):
    """Four inspections: a fifth of them is under one, so one change is reused and two are not."""
    first = _write(data, "yos-2018", 3)
    _land(data)
    assert marts.changed_inspections(data) == [first]
    _write(data, "yos-2018", 4)
    _land(data)
    assert marts.changed_inspections(data) is None
    assert build_info(marts.build_marts(data, "many", incremental=True))[:2] == ("full", None)


def test_no_published_file_builds_from_scratch(tmp_path):
    assert marts.changed_inspections(RunConfig(data_dir=tmp_path)) is None


def _check(config: RunConfig, db, inspections: list[str] | None, rebuild: bool = False) -> None:
    """Run the invariants of an incremental build of `inspections` (None: a full build's) on `db`;
    with `rebuild`, redo the build first, so the pooled tables agree with every row `db` holds."""
    con = marts.connect_build(db)
    try:
        marts.open_case_level(con, config, keep_attached=True, inspections=inspections)
        if rebuild:
            marts.register_run(con, "check", rebuilt=inspections)
            marts.create_models(con, ("marts",), inspections=inspections)
        marts.check_invariants(con, inspections=inspections)
    finally:
        marts.close_case_level(con)
        con.close()


def test_the_checks_cover_the_changed_inspections_rows_only(data):
    new = _write(data, "yos-2018", 3)
    _land(data)
    tmp = marts.build_marts(data, "incremental", incremental=True)
    with duckdb.connect(str(tmp)) as con:
        con.execute("update marts.inspections set court_cases = court_cases + 1 where inspection_id = 'yos-00001'")
    _check(data, tmp, [new], rebuild=True)  # yos-00001 was checked when it was published, and not recomputed since
    with pytest.raises(marts.MartInvariantFailed, match="marts.inspections: cases_add_up"):
        _check(data, tmp, None)
    with duckdb.connect(str(tmp)) as con:
        con.execute(
            "update marts.inspections set court_cases = court_cases + 1 where inspection_id = $new", {"new": new}
        )
    with pytest.raises(marts.MartInvariantFailed, match="marts.inspections: cases_add_up"):
        _check(data, tmp, [new])


def _model(root, layer: str, name: str, sql: str, sidecar: str) -> None:
    (root / layer).mkdir(parents=True, exist_ok=True)
    (root / layer / f"{name}.sql").write_text(sql, encoding="utf-8")
    (root / layer / f"{name}.yml").write_text(sidecar, encoding="utf-8")


PER_INSPECTION = "description: d\ngrain: [inspection_id]\nper_inspection: true\ncolumns:\n  inspection_id: i\n"


def test_a_per_inspection_model_that_reads_a_pooled_one_is_refused(tmp_path):
    _model(tmp_path, "staging", "stg_a", "select inspection_id from src_inspections", PER_INSPECTION)
    _model(
        tmp_path, "intermediate", "int_pool", "select count(*) as n from stg_a", "description: d\ncolumns:\n  n: n\n"
    )
    _model(
        tmp_path, "marts", "bad", "select inspection_id from stg_a, int_pool", "materialized: table\n" + PER_INSPECTION
    )
    with pytest.raises(marts.MartBuildError, match=r"bad.yml: per_inspection, but reads int_pool"):
        marts.load_models(tmp_path)


def test_a_pooled_model_that_reads_a_per_inspection_table_is_refused(tmp_path):
    _model(tmp_path, "staging", "stg_a", "select inspection_id from src_inspections", PER_INSPECTION)
    _model(tmp_path, "intermediate", "int_t", "select * from stg_a", "materialized: table\n" + PER_INSPECTION)
    _model(
        tmp_path,
        "marts",
        "total",
        "select count(*) as n from int_t",
        "materialized: table\ndescription: d\ncolumns:\n  n: n\n",
    )
    with pytest.raises(
        marts.MartBuildError, match=r"total.yml: pools inspections but reads int_t, which an incremental build holds"
    ):
        marts.load_models(tmp_path)


def test_a_pooled_model_that_reads_a_view_over_a_per_inspection_table_is_refused(tmp_path):
    _model(tmp_path, "staging", "stg_a", "select inspection_id from src_inspections", PER_INSPECTION)
    _model(tmp_path, "intermediate", "int_t", "select * from stg_a", "materialized: table\n" + PER_INSPECTION)
    _model(tmp_path, "intermediate", "int_v", "select * from int_t", PER_INSPECTION)
    _model(
        tmp_path,
        "marts",
        "total",
        "select count(*) as n from int_v",
        "materialized: table\ndescription: d\ncolumns:\n  n: n\n",
    )
    with pytest.raises(marts.MartBuildError, match=r"total.yml: pools inspections but reads int_v"):
        marts.load_models(tmp_path)


def test_a_per_inspection_model_ending_in_a_comment_is_recomputed(tmp_path):
    _model(
        tmp_path,
        "marts",
        "m",
        "select 'a' as inspection_id  -- a trailing comment",
        "materialized: table\n" + PER_INSPECTION,
    )
    (model,) = marts.load_models(tmp_path)
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.m as select 'a' as inspection_id")
        marts._recompute(con, model, ["a"], marts._changed_names([model]))
        assert con.execute("select * from marts.m").fetchall() == [("a",)]


def test_recomputing_an_inspection_reads_only_its_rows_even_behind_an_outer_join(tmp_path):
    # stg_answers fails on inspection b's rows. A filter on int_counts' output reaches its
    # inspections, not the grouped answers on the other side of the left join: recomputing a must
    # read its inputs through the changed inspections' views
    per_inspection_rows = (
        "description: d\ngrain: [inspection_id, n]\nper_inspection: true\ncolumns:\n  inspection_id: i\n"
    )
    _model(
        tmp_path,
        "staging",
        "stg_answers",
        "select inspection_id, n, case when inspection_id = 'b' then error('read b') else 1 end as v\nfrom src_answers",
        per_inspection_rows + "  n: n\n  v: v\n",
    )
    _model(tmp_path, "staging", "stg_inspections", "select inspection_id from src_inspections", PER_INSPECTION)
    _model(
        tmp_path,
        "intermediate",
        "int_counts",
        "with counts as (select inspection_id, sum(v) as n from stg_answers group by inspection_id)\n"
        "select i.inspection_id, coalesce(counts.n, 0) as n\n"
        "from stg_inspections as i left join counts on i.inspection_id = counts.inspection_id",
        "materialized: table\n" + PER_INSPECTION + "  n: n\n",
    )
    models = marts.load_models(tmp_path)
    with duckdb.connect() as con:
        con.execute("create table src_inspections as select * from (values ('a'), ('b'), ('c')) as t(inspection_id)")
        con.execute(
            "create table src_answers as select * from (values ('a', 1), ('a', 2), ('b', 1)) as t(inspection_id, n)"
        )
        for model in models[:2]:
            con.execute(f"create temp view {model.name} as {model.sql}")
        with pytest.raises(duckdb.Error, match="read b"):  # what the filter on the output alone would do
            con.execute(f"select * from ({models[2].sql}) as model where model.inspection_id in ('a')").fetchall()
        marts._changed_views(con, list(models[:2]), ["a"])
        marts._recompute(con, models[2], ["a"], marts._changed_names(list(models)))
        assert con.execute("select * from int_counts").fetchall() == [("a", 2)]


def test_a_per_inspection_model_has_inspection_id_in_its_grain(tmp_path):
    _model(
        tmp_path,
        "marts",
        "m",
        "select 1 as x",
        "materialized: table\ndescription: d\ngrain: [x]\nper_inspection: true\ncolumns:\n  x: x\n",
    )
    with pytest.raises(marts.MartBuildError, match="a per_inspection model has inspection_id in its grain"):
        marts.load_models(tmp_path)
