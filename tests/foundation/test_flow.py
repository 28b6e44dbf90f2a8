"""`yotbench run` runs the real Prefect flow `nightly` end to end."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import copy_submission
from tests.ops.helpers import assert_same_marts
from yotbench.cli import main
from yotbench.config import RunConfig
from yotbench.ledger import Ledger

pytestmark = pytest.mark.prefect


def test_run_lands_then_skips_then_builds_a_new_inspection_incrementally(prefect_harness, tmp_path, sample_raw, capsys):
    config = RunConfig(data_dir=tmp_path)
    entries = sorted(sample_raw.iterdir())
    for entry in entries[:4]:
        copy_submission(entry, config.raw_dir)

    assert main(["run", "--data-dir", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert "4 seen, 4 landed, 0 skipped (unchanged), 0 rejected" in first
    assert str(config.parquet_dir) in first

    assert main(["run", "--data-dir", str(tmp_path)]) == 0
    second = capsys.readouterr().out
    assert "4 seen, 0 landed, 4 skipped (unchanged), 0 rejected" in second

    with Ledger(config.ledger_path) as ledger:
        runs = ledger.runs()
        assert len(runs) == 2
        assert [r["summary"]["counts"]["landed"] for r in runs] == [0, 4]
        assert len(ledger.current()) == 4
    assert "marts: full build" in first

    copy_submission(entries[4], config.raw_dir)
    assert main(["run", "--data-dir", str(tmp_path)]) == 0
    third = capsys.readouterr().out
    assert "5 seen, 1 landed, 4 skipped (unchanged), 0 rejected" in third
    assert "marts: incremental build, 1 inspection recomputed in a copy of the published file" in third
    incremental = tmp_path / "incremental.duckdb"
    shutil.copyfile(config.marts_db, incremental)

    assert main(["run", "--data-dir", str(tmp_path), "--rebuild"]) == 0
    assert "marts: full build" in capsys.readouterr().out
    assert_same_marts(incremental, config.marts_db)


def test_run_lands_through_prefects_worker_processes(prefect_harness, tmp_path, sample_raw, capsys):
    """--task-runner processes: the batches are landed in two spawned worker processes, and land as with threads."""
    config = RunConfig(data_dir=tmp_path)
    for entry in sorted(sample_raw.iterdir())[:4]:
        copy_submission(entry, config.raw_dir)

    assert main(["run", "--data-dir", str(tmp_path), "--task-runner", "processes", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "4 seen, 4 landed, 0 skipped (unchanged), 0 rejected" in out

    with Ledger(config.ledger_path) as ledger:
        [run] = ledger.runs()
        assert run["summary"]["landing"] == {"task_runner": "ProcessPoolTaskRunner", "workers": 2}
        current = ledger.current()
        assert len(current) == 4
        assert all(len(sub.files) == 4 for sub in current)
        assert all((tmp_path / path).is_file() for sub in current for path in sub.files.values())


def test_a_served_run_lands_through_the_task_runner_its_parameters_name(prefect_harness, tmp_path, sample_raw):
    """A served run loads the flow from the deployment's entrypoint and calls it with the deployment's
    parameters (as JSON): the landing runner comes from them, not from how the flow was decorated."""
    from prefect.flows import load_flow_from_entrypoint

    from yotbench.ops import deployment

    config = RunConfig(data_dir=tmp_path, task_runner="processes", landing_workers=2)
    for entry in sorted(sample_raw.iterdir())[:4]:
        copy_submission(entry, config.raw_dir)
    served = deployment(config)
    flow = load_flow_from_entrypoint(served.entrypoint)

    first = flow(**served.parameters)
    assert first["counts"]["landed"] == 4
    assert first["landing"] == {"task_runner": "ProcessPoolTaskRunner", "workers": 2}

    again = flow(**served.parameters)  # nothing to land: no task runner (no worker processes) started
    assert again["counts"]["skipped"] == 4 and again["landing"] is None
