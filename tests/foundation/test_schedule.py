"""The nightly schedule: a served deployment gets scheduled runs from the Prefect scheduler."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest

from yotbench.config import RunConfig
from yotbench.ops import deployment

pytestmark = pytest.mark.prefect


def test_nightly_deployment_is_scheduled_at_two_in_the_morning(prefect_harness, tmp_path):
    from prefect.server import models
    from prefect.server.database import provide_database_interface

    config = RunConfig(data_dir=tmp_path)
    nightly = deployment(config)
    assert nightly.name == "nightly"
    assert nightly.parameters == {"config": config.model_dump(mode="json")}
    deployment_id = nightly.apply()

    async def schedule():
        # The scheduler service's own code path; with SQLAlchemy 2.1 it raised
        # "Can't evaluate bulk DML statement" and no run was ever scheduled.
        db = provide_database_interface()
        async with db.session_context(begin_transaction=True) as session:
            return await models.deployments.schedule_runs(session, deployment_id=deployment_id)

    run_ids = asyncio.run(schedule())
    assert len(run_ids) > 0

    async def read():
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

        # filtered by the server: unfiltered, a page holds the first 200 runs of the whole session's
        # harness, which need not include this deployment's
        only_nightly = DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        async with get_client() as client:
            return await client.read_flow_runs(deployment_filter=only_nightly)

    runs = asyncio.run(read())
    assert {r.deployment_id for r in runs} == {deployment_id}
    assert {r.id for r in runs} >= set(run_ids)
    times = {r.expected_start_time.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M") for r in runs}
    assert times == {"02:00"}
    assert all(r.parameters["config"]["data_dir"] == str(tmp_path) for r in runs)


def test_serve_takes_the_landing_options_into_the_deployments_parameters(tmp_path):
    from yotbench.cli import _config, build_parser

    args = build_parser().parse_args(
        ["serve", "--data-dir", str(tmp_path), "--task-runner", "dask", "--dask-address", "tcp://10.0.0.5:8786"]
        + ["--workers", "4"]
    )
    config = _config(args)
    assert (config.task_runner, config.dask_address, config.landing_workers) == ("dask", "tcp://10.0.0.5:8786", 4)
    parameters = deployment(config).parameters["config"]
    assert (parameters["task_runner"], parameters["dask_address"], parameters["landing_workers"]) == (
        "dask",
        "tcp://10.0.0.5:8786",
        4,
    )


@pytest.mark.parametrize("command", ["run", "serve", "brief"])
def test_the_suppression_threshold_and_per_inspection_switch_are_options(tmp_path, command):
    from yotbench.cli import _config, build_parser

    period = ["--from", "2020-04-01", "--to", "2021-03-31"] if command == "brief" else []
    plain = _config(build_parser().parse_args([command, "--data-dir", str(tmp_path), *period]))
    assert (plain.suppress_below, plain.suppress_per_inspection) == (5, False)
    assert plain.contact is None
    args = build_parser().parse_args(
        [command, "--data-dir", str(tmp_path), *period, "--suppress-below", "10", "--suppress-per-inspection"]
        + ["--contact", "Analysis team, analysis@example.gov.uk"]
    )
    config = _config(args)
    assert (config.suppress_below, config.suppress_per_inspection) == (10, True)
    assert config.contact == "Analysis team, analysis@example.gov.uk"
    if command == "serve":
        parameters = deployment(config).parameters["config"]
        assert (parameters["suppress_below"], parameters["suppress_per_inspection"]) == (10, True)
        assert parameters["contact"] == "Analysis team, analysis@example.gov.uk"
