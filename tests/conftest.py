"""Shared fixtures. Prefect runs under one session-scoped test harness, started only
by tests that need a real flow run (marked `prefect`); everything else calls the library."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="yotbench-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect server for the whole session (8-16 s to start, so shared)."""
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.testing.utilities import prefect_test_harness

    # Prefect's console handler keeps the stderr it first saw: set it up here, on the session's
    # stream, not inside the first test that runs a flow (whose captured stream is closed after it)
    ensure_logging_setup()
    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """The embedded sample programme, written once per session (read-only to tests)."""
    from yotbench.sample import write_sample

    raw = tmp_path_factory.mktemp("sample") / "raw"
    write_sample(raw)
    return raw


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """An empty data directory."""
    (tmp_path / "data" / "raw").mkdir(parents=True)
    return tmp_path / "data"


def copy_submission(source: Path, raw_dir: Path, name: str | None = None) -> Path:
    """Copy one submission (folder or workbook) into raw_dir, keeping file times."""
    target = raw_dir / (name or source.name)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)
    return target
