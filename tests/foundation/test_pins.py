"""The pinned environment is the one installed, and the pins that bite work together."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import pytest

from yotbench.config import PROJECT_ROOT


def _pins() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {m[1]: m[2] for s in specs if (m := re.match(r"^([A-Za-z0-9_.-]+)==([^;\s]+)", s))}


def test_every_dependency_is_pinned_exactly():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert all("==" in spec for spec in project["dependencies"]), project["dependencies"]


@pytest.mark.parametrize(("name", "pinned"), sorted(_pins().items()))
def test_installed_version_matches_pin(name, pinned):
    assert version(name) == pinned


def test_constraints_agree_with_pyproject():
    constraints = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line):
            constraints[m[1].lower().replace("_", "-")] = m[2]
    for name, pinned in _pins().items():
        assert constraints.get(name.lower().replace("_", "-")) == pinned, name


def test_fastapi_is_inside_the_window_prefect_3_8_8_works_with():
    major, minor, *_ = (int(x) for x in version("fastapi").split("."))
    assert (major, minor) >= (0, 139) and (major, minor) < (0, 151)


@pytest.mark.prefect
def test_prefect_server_reads_flow_runs(prefect_harness):
    """fastapi 0.151-0.154 make the server answer 422 on flow-run reads; this would fail."""
    import asyncio

    from prefect import flow
    from prefect.client.orchestration import get_client

    @flow(name="pin-smoke")
    def smoke() -> int:
        return 7

    assert smoke() == 7

    async def read():
        async with get_client() as client:
            return await client.read_flow_runs()

    runs = asyncio.run(read())
    assert any(r.name and r.state and r.state.is_completed() for r in runs)
