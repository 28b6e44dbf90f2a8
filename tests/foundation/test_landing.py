"""Landing to Parquet: CSV and XLSX alike, idempotent re-runs, supersession, honest counts."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import copy_submission
from yotbench.config import RunConfig
from yotbench.frameworks import load_frameworks
from yotbench.landing import ARROW_SCHEMAS
from yotbench.ledger import Ledger
from yotbench.pipeline import land_pending
from yotbench.sample import generate_inspection, write_submission
from yotbench.store import current_files

LINEAGE = ["submission", "content_hash", "run_id", "landed_at"]


@pytest.fixture(scope="module")
def tables():
    return generate_inspection(load_frameworks()["yos-2018"], index=3)


def _landed(config: RunConfig, table: str) -> pd.DataFrame:
    files = current_files(config)[table]
    frame = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    return frame.drop(columns=[c for c in LINEAGE if c in frame.columns])


def test_csv_and_xlsx_submissions_land_identically(tmp_path, tables):
    landed = {}
    for fmt in ("csv", "xlsx"):
        config = RunConfig(data_dir=tmp_path / fmt)
        write_submission(tables, config.raw_dir, "one", fmt)
        _, outcomes = land_pending(config)
        assert [o.status for o in outcomes] == ["landed"]
        landed[fmt] = {t: _landed(config, t) for t in ("inspections", "cases", "answers", "ratings")}
    for table in landed["csv"]:
        pd.testing.assert_frame_equal(landed["csv"][table], landed["xlsx"][table])
    assert len(landed["csv"]["answers"]) == len(tables["answers"])
    assert landed["csv"]["cases"]["age"].dtype == "int8"
    assert landed["csv"]["inspections"]["fieldwork_start"].iloc[0] == dt.date.fromisoformat(
        tables["inspection"]["fieldwork_start"].iloc[0]
    )


def test_landed_files_have_the_contract_types_and_blank_optional_values_are_null(tmp_path, tables):
    tables = {name: frame.copy() for name, frame in tables.items()}
    tables["inspection"]["published"] = ""  # not yet published
    config = RunConfig(data_dir=tmp_path)
    write_submission(tables, config.raw_dir, "one", "csv")
    _, outcomes = land_pending(config, run_id="r1")
    assert [o.status for o in outcomes] == ["landed"]

    files = current_files(config)
    for table, schema in ARROW_SCHEMAS.items():
        if table == "inspections":  # Parquet has no second unit: landed_at reads back in milliseconds
            schema = schema.set(schema.get_field_index("landed_at"), pa.field("landed_at", pa.timestamp("ms", "UTC")))
        assert pq.read_table(files[table][0]).schema.remove_metadata() == schema, table
    head = pq.read_table(files["inspections"][0]).to_pylist()[0]
    assert head["published"] is None
    assert head["fieldwork_end"] == dt.date.fromisoformat(tables["inspection"]["fieldwork_end"].iloc[0])
    assert (head["submission"], head["run_id"]) == ("one", "r1")
    ratings = pq.read_table(files["ratings"][0]).to_pandas()
    given = tables["ratings"]["reason"]
    assert ratings["reason"].isna().sum() == (given == "").sum() > 0
    assert list(ratings["reason"].dropna()) == [r for r in given if r]
    answers = pq.read_table(files["answers"][0])
    assert answers.column("inspection_id").unique().to_pylist() == [tables["inspection"]["inspection_id"].iloc[0]]


def test_ledger_counts_match_the_files(tmp_path, sample_raw):
    config = RunConfig(data_dir=tmp_path)
    for entry in sorted(sample_raw.iterdir())[:6]:
        copy_submission(entry, config.raw_dir)
    _, outcomes = land_pending(config)
    assert len(outcomes) == 6
    with Ledger(config.ledger_path) as ledger:
        for sub in ledger.current():
            counts = ledger.table_counts(sub.id)
            for table, relative in sub.files.items():
                read, landed, quarantined = counts[table]
                rows = pq.read_metadata(config.data_dir / relative).num_rows
                assert (read, landed, quarantined) == (rows, rows, 0)
            source = config.raw_dir / sub.name
            if source.is_dir():  # the raw CSV has one header line per file and no embedded newlines
                with (source / "answers.csv").open(encoding="utf-8") as handle:
                    assert counts["answers"][0] == sum(1 for _ in handle) - 1


def test_relanding_the_same_submission_is_a_no_op(tmp_path, tables):
    config = RunConfig(data_dir=tmp_path)
    write_submission(tables, config.raw_dir, "one", "csv")
    plan, first = land_pending(config)
    files_before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "parquet").rglob("*.parquet"))
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "parquet").rglob("*.parquet")}
    plan, second = land_pending(config)
    assert [o.status for o in first] == ["landed"]
    assert second == [] and [s.name for s in plan.unchanged] == ["one"]
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "parquet").rglob("*.parquet")) == files_before
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())
    with Ledger(config.ledger_path) as ledger:
        assert len(ledger.history()) == 1


def test_a_changed_resubmission_supersedes_and_the_old_stays_on_record(tmp_path, tables):
    config = RunConfig(data_dir=tmp_path)
    path = write_submission(tables, config.raw_dir, "one", "csv")
    land_pending(config)
    changed = {name: frame.copy() for name, frame in tables.items()}
    first_case = changed["cases"]["case_ref"].iloc[0]
    changed["answers"] = changed["answers"][changed["answers"]["case_ref"] != first_case]
    changed["cases"] = changed["cases"].iloc[1:]
    shutil.rmtree(path)
    write_submission(changed, config.raw_dir, "one", "csv")
    _, outcomes = land_pending(config)
    assert [(o.status, o.superseded) for o in outcomes] == [("landed", ["one"])]
    with Ledger(config.ledger_path) as ledger:
        history = ledger.history()
        assert [h.status for h in history] == ["superseded", "landed"]
        assert history[0].inspection_id == history[1].inspection_id
        old_files = history[0].files
    assert len(_landed(config, "cases")) == len(tables["cases"]) - 1
    for relative in old_files.values():  # retired from the current store, kept in history
        assert not (tmp_path / relative).exists()
        assert (tmp_path / "parquet_history" / relative).exists()


def test_a_new_submission_with_a_landed_inspection_id_supersedes_it(tmp_path, tables):
    config = RunConfig(data_dir=tmp_path)
    write_submission(tables, config.raw_dir, "v1", "csv", received=dt.date(2021, 1, 1))
    land_pending(config)
    revised = {name: frame.copy() for name, frame in tables.items()}
    revised["inspection"]["provider"] = "Renamed Youth Offending Service"
    write_submission(revised, config.raw_dir, "v2", "xlsx", received=dt.date(2021, 2, 1))
    _, outcomes = land_pending(config)
    assert [(o.name, o.status, o.superseded) for o in outcomes] == [("v2.xlsx", "landed", ["v1"])]
    providers = _landed(config, "inspections")["provider"].tolist()
    assert providers == ["Renamed Youth Offending Service"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_two_versions_in_one_drop_land_the_one_received_last(tmp_path, tables, fmt):
    config = RunConfig(data_dir=tmp_path)
    revised = {name: frame.copy() for name, frame in tables.items()}
    revised["inspection"]["region"] = "Wales"
    write_submission(revised, config.raw_dir, "b_later", fmt, received=dt.date(2021, 3, 1))
    write_submission(tables, config.raw_dir, "a_earlier", fmt, received=dt.date(2021, 1, 1))
    _, outcomes = land_pending(config)
    suffix = ".xlsx" if fmt == "xlsx" else ""
    assert sorted((o.name, o.status) for o in outcomes) == [
        (f"a_earlier{suffix}", "superseded"),
        (f"b_later{suffix}", "landed"),
    ]
    assert _landed(config, "inspections")["region"].tolist() == ["Wales"]


def test_raw_files_are_never_modified(tmp_path, sample_raw):
    config = RunConfig(data_dir=tmp_path)
    for entry in sorted(sample_raw.iterdir())[:5]:
        copy_submission(entry, config.raw_dir)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in config.raw_dir.rglob("*") if p.is_file()}
    land_pending(config)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in config.raw_dir.rglob("*") if p.is_file()}
    assert after == before


def test_parquet_is_zstd_and_readable_by_duckdb(tmp_path, tables):
    config = RunConfig(data_dir=tmp_path)
    write_submission(tables, config.raw_dir, "one", "csv")
    land_pending(config)
    answers = current_files(config)["answers"]
    meta = pq.read_metadata(answers[0])
    assert meta.row_group(0).column(0).compression == "ZSTD"
    con = duckdb.connect()
    n = con.execute("select count(*) from read_parquet($files)", {"files": [str(p) for p in answers]}).fetchone()[0]
    assert n == len(tables["answers"])
    assert os.path.relpath(answers[0], tmp_path).startswith(os.path.join("parquet", "answers", "yos-2018", "yos-00004"))
