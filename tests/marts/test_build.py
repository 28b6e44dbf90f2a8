"""The analyst database end to end: landed Parquet in, a checked file swapped into place, case
level data never written, macros usable from a fresh read-only connection, a failed build
leaving the published file alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from contextlib import contextmanager

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.marts import stockton
from yotbench import marts
from yotbench.config import RunConfig
from yotbench.frameworks import load_frameworks
from yotbench.pipeline import land_pending
from yotbench.sample import generate_inspection, write_submission
from yotbench.store import current_files


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> RunConfig:
    """Stockton plus one sample inspection of each framework, landed through the real pipeline."""
    config = RunConfig(data_dir=tmp_path_factory.mktemp("marts") / "data")
    frameworks = load_frameworks()
    write_submission(stockton.submission(frameworks["yos-2018"]), config.raw_dir, "stockton", "csv")
    for framework_id, fmt in (("yos-2018", "csv"), ("sqs-2012", "csv"), ("cci-2009", "xlsx")):
        tables = generate_inspection(frameworks[framework_id], 0)
        write_submission(tables, config.raw_dir, tables["inspection"]["inspection_id"].iloc[0], fmt)
    _, outcomes = land_pending(config)
    assert {o.name: o.status for o in outcomes} == {
        "stockton": "landed",
        "yos-00001": "landed",
        "sqs-00001": "landed",
        "cci-00001.xlsx": "landed",
    }
    return config


@pytest.fixture(scope="module")
def published(store) -> RunConfig:
    tmp = marts.build_marts(store, "run-1")
    assert tmp.exists() and tmp.parent == store.marts_dir and not store.marts_db.exists()
    assert marts.publish_marts(tmp, store) == store.marts_db
    assert not tmp.exists()
    return store


def query(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_only_the_marts_schema_is_written(published):
    db = published.marts_db
    cases = sum(pq.read_metadata(p).num_rows for p in current_files(published)["cases"])
    assert query(db, "select run_id, inspections, cases from marts.build_info") == [("run-1", 4, cases)]
    assert query(db, "select distinct schema_name from duckdb_tables()") == [("marts",)]
    assert query(db, "select count(*) from duckdb_views() where not internal") == [(0,)]
    assert sorted(
        query(db, "select function_name, function_type from duckdb_functions() where schema_name = 'marts'")
    ) == [
        ("benchmarks_between", "table_macro"),
        ("case_characteristics_between", "table_macro"),
        ("characteristic_results_between", "table_macro"),
        ("pct", "macro"),
        ("pct_rounded", "macro"),
        ("question_results_between", "table_macro"),
        ("wilson_high", "macro"),
        ("wilson_low", "macro"),
    ]
    assert query(db, "select framework, count(*) from marts.inspections group by all order by 1") == [
        ("cci-2009", 1),
        ("sqs-2012", 1),
        ("yos-2018", 2),
    ]
    assert query(db, "select inspection_id, final_score, final_rating from marts.inspection_ratings order by 1")[0] == (
        "stockton-2021",
        32,
        "outstanding",
    )


def test_no_case_reference_anywhere_in_the_file(published):
    refs = set()
    for path in current_files(published)["cases"]:
        refs |= set(pq.read_table(path, columns=["case_ref"]).column("case_ref").to_pylist())
    assert len(refs) > 50
    with duckdb.connect(str(published.marts_db), read_only=True) as con:
        columns = con.execute("""
            select table_name, column_name from duckdb_columns()
            where schema_name = 'marts' and data_type = 'VARCHAR'""").fetchall()
        assert columns
        for table, column in columns:
            assert column != "case_ref"
            found = con.execute(
                f'select count(*) from marts."{table}" where "{column}" in (select unnest($refs))',
                {"refs": sorted(refs)},
            ).fetchall()
            assert found == [(0,)], (table, column)


# The programme-to-date marts and the grain the public contract (issue 4) gives them: no period in it.
PROGRAMME_GRAIN = {
    "benchmarks": ["framework", "item_kind", "item_id", "inspection_id"],
    "characteristic_results": ["framework", "question_id", "characteristic", "group_value"],
    "case_characteristics": ["framework", "characteristic", "group_value"],
}


@pytest.mark.parametrize("mart", sorted(PROGRAMME_GRAIN))
def test_programme_marts_are_unique_on_the_issue_grain_and_hold_only_the_programme(published, mart):
    db = published.marts_db
    grain = ", ".join(PROGRAMME_GRAIN[mart])  # names from the fixed PROGRAMME_GRAIN
    assert query(db, f"select {grain}, count(*) from marts.{mart} group by all having count(*) > 1") == []
    assert query(db, f"select period_kind, period_label, count(*) > 0 from marts.{mart} group by all") == [
        ("programme", "programme", True)
    ]
    programme = "select framework, period_start, period_end from marts.periods where period_kind = 'programme'"
    assert query(db, f"select distinct framework, period_start, period_end from marts.{mart} order by 1") == query(
        db, f"{programme} order by 1"
    )
    assert len(query(db, programme)) == 3


@pytest.mark.parametrize("mart", sorted(PROGRAMME_GRAIN))
def test_by_period_programme_rows_are_the_programme_mart_exactly(published, mart):
    db = published.marts_db
    by_period = f"marts.{mart}_by_period"
    assert query(db, f"describe {by_period}") == query(db, f"describe marts.{mart}")
    programme = f"select * from {by_period} where period_kind = 'programme'"
    assert (
        query(
            db,
            f"({programme} except all select * from marts.{mart}) union all "
            f"(select * from marts.{mart} except all {programme})",
        )
        == []
    )
    counts = dict(query(db, f"select period_kind, count(*) from {by_period} group by all"))
    assert counts.keys() == {"programme", "financial_year"}
    assert counts["programme"] == query(db, f"select count(*) from marts.{mart}")[0][0] > 0
    assert counts["financial_year"] >= counts["programme"]


def test_macros_work_from_a_fresh_read_only_process(published):
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "out = {m: con.execute(f'select count(*), count(distinct framework) from marts.{m}(date \\'1900-01-01\\', "
        "date \\'2999-12-31\\')').fetchall()[0] for m in sys.argv[2:]}\n"
        "out['pct'] = con.execute('select marts.pct(1, 4)').fetchall()[0]\n"
        "print(json.dumps(out))\n"
    )
    macros = [
        "question_results_between",
        "characteristic_results_between",
        "case_characteristics_between",
        "benchmarks_between",
    ]
    done = subprocess.run(
        [sys.executable, "-c", script, str(published.marts_db), *macros],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    got = json.loads(done.stdout)
    db = published.marts_db
    for macro, mart in zip(
        macros,
        ["question_results_by_period", "characteristic_results", "case_characteristics", "benchmarks"],
        strict=True,
    ):
        expected = query(
            db, f"select count(*), count(distinct framework) from marts.{mart} where period_kind = 'programme'"
        )
        assert tuple(got[macro]) == expected[0], macro
        assert expected[0][1] == 3
    assert got["pct"] == [25.0]


def test_open_readers_keep_their_snapshot_and_a_failed_build_changes_nothing(published, tmp_path):
    config = RunConfig(data_dir=tmp_path / "data")
    shutil.copytree(published.data_dir, config.data_dir)
    reader = duckdb.connect(str(config.marts_db), read_only=True)
    try:
        marts.publish_marts(marts.build_marts(config, "run-2"), config)
        assert reader.execute("select run_id from marts.build_info").fetchall() == [("run-1",)]
    finally:
        reader.close()
    assert query(config.marts_db, "select run_id from marts.build_info") == [("run-2",)]

    # Damage the store behind the ledger's back: an age outside every age band.
    path = next(p for p in current_files(config)["cases"] if "stockton" in str(p))
    table = pq.read_table(path)
    ages = table.column("age").to_pylist()
    ages[0] = 25
    column = pa.array(ages, type=table.schema.field("age").type)
    pq.write_table(table.set_column(table.schema.get_field_index("age"), "age", column), path)
    with pytest.raises(marts.MartInvariantFailed, match="every_case_in_exactly_one_group"):
        marts.build_marts(config, "run-3")
    assert query(config.marts_db, "select run_id from marts.build_info") == [("run-2",)]
    assert sorted(p.name for p in config.marts_dir.iterdir()) == ["yotbench.duckdb"]


def test_an_empty_store_builds_empty_marts(tmp_path):
    config = RunConfig(data_dir=tmp_path / "data")
    marts.publish_marts(marts.build_marts(config, "empty"), config)
    assert query(config.marts_db, "select run_id, inspections, cases, answers from marts.build_info") == [
        ("empty", 0, 0, 0)
    ]
    assert query(config.marts_db, "select count(*) from marts.question_results") == [(0,)]
    assert query(config.marts_db, "select count(*) from marts.questions where framework = 'yos-2018'") == [(116,)]


def test_a_store_without_ratings_files(published):
    files = {**current_files(published), "ratings": []}
    with duckdb.connect() as con:
        marts.register_store(con, files)
        marts.register_frameworks(con)
        marts.register_run(con, "no-ratings")
        marts.create_models(con, marts.LAYERS)
        marts.check_invariants(con)
        assert con.execute("""
            select count(*), count(final_rating) from marts.standard_ratings where rated_by = 'judgement'
        """).fetchall() == [(8, 0)]
        assert con.execute("select count(*) from marts.inspection_ratings where complete").fetchall() == [(0,)]


def test_open_case_level_gives_the_enriched_answers(published):
    with duckdb.connect() as con:
        marts.open_case_level(con, published)
        columns = [c for (c,) in con.execute("select column_name from (describe int_answers_enriched)").fetchall()]
        assert {"inspection_id", "framework", "case_key", "ethnic_group", "age_band", "answer"} <= set(columns)
        assert "case_ref" not in columns
        assert con.execute("""
            select count(*) from int_answers_enriched where inspection_id = 'stockton-2021'""").fetchall() == [(769,)]
        assert con.execute("select count(*) from duckdb_tables() where not temporary").fetchall() == [(0,)]


@contextmanager
def built_in_memory(config):
    """Every model over the published store, in an in-memory connection the test may change."""
    with duckdb.connect() as con:
        marts.register_store(con, current_files(config))
        marts.register_frameworks(con)
        marts.register_run(con, "probe")
        marts.create_models(con, marts.LAYERS)
        yield con


def test_a_question_missing_a_characteristic_breaks_the_build(published):
    with built_in_memory(published) as con:
        marts.check_invariants(con)
        con.execute("""
            delete from marts.inspection_characteristic_results
            where characteristic = 'disposal'
              and (inspection_id, question_id) in (
                select (inspection_id, question_id) from marts.question_results
                where relevant_cases > 0 order by inspection_id, question_id limit 1)
        """)
        # the groups still add up for the other six characteristics: only this invariant fails
        with pytest.raises(marts.MartInvariantFailed, match="every_characteristic_present") as failed:
            marts.check_invariants(con)
        assert failed.value.rows == 1
        assert failed.value.example["question_id"] is not None


def test_a_characteristic_outside_the_seven_fails_every_characteristic_present(published):
    with built_in_memory(published) as con:
        model = next(m for m in marts.load_models() if m.name == "inspection_characteristic_results")
        (check,) = [sql for name, _, sql in marts.invariant_queries(model) if name == "every_characteristic_present"]
        assert con.sql(check).fetchall() == []
        con.execute("""
            insert into marts.inspection_characteristic_results
            select inspection_id, framework, fieldwork_end, standard_id, question_id, level,
                   'shoe_size', 'large', relevant_cases, yes_cases
            from marts.inspection_characteristic_results
            where characteristic = 'gender'
            order by inspection_id, question_id, group_value limit 1
        """)
        (expected,) = con.sql("""
            select inspection_id, question_id from marts.inspection_characteristic_results
            where characteristic = 'shoe_size'
        """).fetchall()
        assert con.sql(check).fetchall() == [expected]


def test_publishing_the_marts_twice_is_publishing_them_once(published, tmp_path):
    config = published.model_copy(update={"data_dir": tmp_path / "data"})
    config.marts_dir.mkdir(parents=True)
    run_id = marts.published_run_id(published)
    tmp = marts.temp_db_path(config, run_id)
    shutil.copyfile(published.marts_db, tmp)
    assert marts.publish_marts(tmp, config) == config.marts_db
    assert marts.publish_marts(tmp, config) == config.marts_db  # the retry finds its build published
    assert marts.published_run_id(config) == run_id
    other = marts.temp_db_path(config, "another-run")
    with pytest.raises(marts.MartBuildError, match="nothing to publish"):
        marts.publish_marts(other, config)  # a build that never was is still an error
