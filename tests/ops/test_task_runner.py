"""The landing task runner `yotbench run` and the benchmark use: threads, a Dask cluster, or a local one."""

from __future__ import annotations

from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from yotbench.config import RunConfig
from yotbench.ops import task_runner


def test_threads_by_default_with_the_landing_workers(tmp_path):
    runner = task_runner(RunConfig(data_dir=tmp_path, landing_workers=3))
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == 3


def test_dask_at_a_teams_scheduler(tmp_path):
    runner = task_runner(RunConfig(data_dir=tmp_path, task_runner="dask", dask_address="tcp://scheduler:8786"))
    assert isinstance(runner, DaskTaskRunner)
    assert runner.address == "tcp://scheduler:8786"


def test_dask_without_an_address_starts_a_local_cluster_of_worker_processes(tmp_path):
    runner = task_runner(RunConfig(data_dir=tmp_path, task_runner="dask", landing_workers=2))
    assert runner.address is None
    assert runner.cluster_kwargs == {"n_workers": 2, "threads_per_worker": 1, "processes": True}
