"""The landing task runner `yotbench run` and the benchmark use: threads, Prefect's worker processes, a Dask
cluster, or a local one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from tests.conftest import copy_submission
from yotbench.config import RunConfig
from yotbench.ops import task_runner


def test_threads_by_default_with_the_landing_workers(tmp_path):
    runner = task_runner(RunConfig(data_dir=tmp_path, landing_workers=3))
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == 3


def test_processes_through_prefects_own_pool(tmp_path):
    runner = task_runner(RunConfig(data_dir=tmp_path, task_runner="processes", landing_workers=2))
    assert isinstance(runner, ProcessPoolTaskRunner)
    assert runner._max_workers == 2


def test_dask_at_a_teams_scheduler(tmp_path):
    runner = task_runner(RunConfig(data_dir=tmp_path, task_runner="dask", dask_address="tcp://scheduler:8786"))
    assert isinstance(runner, DaskTaskRunner)
    assert runner.address == "tcp://scheduler:8786"


def test_dask_without_an_address_starts_a_local_cluster_of_worker_processes(tmp_path):
    runner = task_runner(RunConfig(data_dir=tmp_path, task_runner="dask", landing_workers=2))
    assert runner.address is None
    assert runner.cluster_kwargs == {"n_workers": 2, "threads_per_worker": 1, "processes": True}


@pytest.mark.slow
def test_worker_processes_report_to_the_runs_own_temporary_api(tmp_path, sample_raw):
    """`yotbench run --task-runner processes` with no PREFECT_API_URL: one temporary Prefect API, the run's.
    Before workers_api, each worker process started its own on the same database (three in all)."""
    for entry in sorted(sample_raw.iterdir())[:2]:
        copy_submission(entry, tmp_path / "data" / "raw")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_LOGGING_LEVEL": "INFO"}
    done = subprocess.run(
        [sys.executable, "-m", "yotbench.cli", "run", "--data-dir", str(tmp_path / "data")]
        + ["--task-runner", "processes", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "2 seen, 2 landed" in log
    assert log.count("Starting temporary server") == 1, log
