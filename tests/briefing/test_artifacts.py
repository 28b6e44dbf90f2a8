"""The Prefect artifacts the nightly flow publishes for its briefings, under the session test harness."""

from __future__ import annotations

import asyncio

import pytest
from prefect import flow

from yotbench.briefing import publish_artifacts

pytestmark = pytest.mark.prefect


def test_headline_table_and_paths_are_published(prefect_harness, written):
    @flow(name="publish-briefing-artifacts")
    def publish() -> None:
        publish_artifacts([written])

    run_id = publish(return_state=True).state_details.flow_run_id

    async def read():
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

        async with get_client() as client:  # this flow run's artifacts: other tests publish under the same keys
            found = {}
            for key in ("briefing-headline", "briefing-paths"):
                (artifact,) = await client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])
                    ),
                )
                found[key] = artifact
            return found

    artifacts = asyncio.run(read())
    table = artifacts["briefing-headline"]
    assert table.type == "table"
    assert '"inspections": 3' in table.data and '"cases": 25' in table.data  # numbers, not text
    assert '"briefing": "yos-2018_2019-04-01_2020-03-31"' in table.data
    paths = artifacts["briefing-paths"]
    assert paths.type == "markdown"
    assert str(written / "briefing.html") in paths.data
