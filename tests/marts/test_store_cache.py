"""The store cache: which landed files it holds, keyed by the text of their paths, brought up to
date from the ledger each time a step opens the store; and the ledger's one-query answers those
steps and `yotbench status` use."""

from __future__ import annotations

import os

import duckdb
import pytest

from yotbench import marts
from yotbench.config import RunConfig
from yotbench.frameworks import load_frameworks
from yotbench.ledger import Ledger
from yotbench.pipeline import land_pending
from yotbench.sample import generate_inspection, write_submission
from yotbench.store import STORE_TABLES, current_files, current_paths, current_submissions


def _write(config: RunConfig, index: int) -> str:
    tables = generate_inspection(load_frameworks()["yos-2018"], index)
    inspection = tables["inspection"]["inspection_id"].iloc[0]
    write_submission(tables, config.raw_dir, inspection, "csv")
    return inspection


@pytest.fixture
def config(tmp_path) -> RunConfig:
    config = RunConfig(data_dir=tmp_path / "data")
    for index in (0, 1):
        _write(config, index)
    _, outcomes = land_pending(config)
    assert [o.status for o in outcomes] == ["landed", "landed"]
    return config


def _sync(config: RunConfig, files) -> dict[str, int]:
    with duckdb.connect() as con:
        return marts.sync_store_cache(con, files, marts.store_cache_path(config))


def test_the_ledgers_files_as_text_are_the_paths_spelled_out(config):
    paths, files = current_paths(config), current_files(config)
    assert {t: sorted(map(str, v)) for t, v in files.items()} == {t: sorted(v) for t, v in paths.items()}
    with Ledger(config.ledger_path) as ledger:
        assert sorted(ledger.current_files()) == sorted(
            (table, relative) for sub in ledger.current() for table, relative in sub.files.items()
        )
        assert ledger.current_lineage() == [
            {
                "name": s.name,
                "content_hash": s.content_hash,
                "inspection_id": s.inspection_id,
                "framework": s.framework,
                "run_id": s.run_id,
            }
            for s in ledger.current()
        ]
    assert [s["inspection_id"] for s in current_submissions(config)] == ["yos-00001", "yos-00002"]
    for table in STORE_TABLES:
        assert len(paths[table]) == 2
        assert all(p.startswith(str(config.parquet_dir) + os.sep) and os.path.isfile(p) for p in paths[table])


def test_a_cache_filled_from_path_objects_is_current_for_the_text_paths_and_back(config):
    assert _sync(config, current_files(config)) == {"added": 8, "removed": 0}
    assert _sync(config, current_paths(config)) == {"added": 0, "removed": 0}
    assert _sync(config, current_files(config)) == {"added": 0, "removed": 0}


def test_a_relanded_inspection_replaces_its_files_and_a_touched_file_is_read_again(config):
    assert _sync(config, current_paths(config)) == {"added": 8, "removed": 0}
    answers = current_paths(config)["answers"][0]
    os.utime(answers, (1_000_000_000, 1_000_000_000))
    assert _sync(config, current_paths(config)) == {"added": 1, "removed": 1}
    raw = config.raw_dir / "yos-00002" / "answers.csv"
    lines = raw.read_text(encoding="utf-8").splitlines(keepends=True)
    raw.write_text("".join(lines[:-1]), encoding="utf-8")  # one answer fewer: new content
    _, outcomes = land_pending(config)
    assert [(o.name, o.status) for o in outcomes] == [("yos-00002", "landed")]
    assert _sync(config, current_paths(config)) == {"added": 4, "removed": 4}
    with duckdb.connect() as con:
        marts.register_store(con, current_paths(config), cache_path=marts.store_cache_path(config))
        counts = con.execute("select inspection_id, count(*) from src_answers group by all order by 1").fetchall()
    written = {
        inspection: sum(1 for _ in (config.raw_dir / inspection / "answers.csv").open(encoding="utf-8")) - 1
        for inspection in ("yos-00001", "yos-00002")
    }
    assert counts == sorted(written.items())


def test_the_ledger_answers_in_one_query_what_latest_answers_per_entry(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record(run_id="r1", name="a", content_hash="h1", format="csv", status="rejected", error_count=2)
        ledger.record(run_id="r2", name="a", content_hash="h1", format="csv", status="landed", inspection_id="i1")
        ledger.record(run_id="r1", name="b", content_hash="h2", format="csv", status="landed", inspection_id="i2")
        ledger.record(run_id="r2", name="b", content_hash="h2", format="csv", status="rejected", error_count=1)
        ledger.record(run_id="r2", name="c", content_hash="h3", format="csv", status="rejected", error_count=3)
        pairs = [("a", "h1"), ("b", "h2"), ("c", "h3"), ("d", "h4")]
        rejected = ledger.last_rejected()
        assert sorted(rejected) == [("b", "h2"), ("c", "h3")]  # a's rejection was followed by a landing
        for key in pairs:
            latest = ledger.latest(*key)
            if latest is not None and latest.status == "rejected":
                assert rejected[key] == latest
            else:
                assert key not in rejected
