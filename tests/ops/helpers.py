"""Helpers for the operations tests: run the CLI in a child process, read marts contents."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

# Tables whose content depends on when and by which run the database was built.
RUN_SPECIFIC = {"build_info"}


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child `yotbench run` that talks to the session's test Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value() or "", "CI": "true"}
    env.update(extra)
    return env


def start_run(data_dir: Path, *args: str, command: str = "run", **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "yotbench.cli", command, "--data-dir", str(data_dir), *args],
        env=child_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill_at(data_dir: Path, point: str, *args: str, command: str = "run", timeout: float = 240) -> None:
    """Run `yotbench <command>` (with `args`) until the named pause point, then SIGKILL the whole
    process group there."""
    proc = start_run(data_dir, *args, command=command, YOTBENCH_PAUSE_AT=point)
    marker = data_dir / ".tmp" / f"paused-{point}"
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"run ended before reaching {point}:\n{proc.stdout.read()}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"run did not reach {point} in {timeout}s")
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    marker.unlink()


def marts_contents(db: Path) -> dict[str, pd.DataFrame]:
    """Every marts table, rows sorted, for comparing two builds by content (not bytes)."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        out = {}
        for name in sorted(set(names) - RUN_SPECIFIC):
            frame = con.execute(f'select * from marts."{name}"').df()  # name from the catalogue itself
            out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True) if len(frame) else frame
        return out


def assert_same_marts(a: Path, b: Path) -> None:
    left, right = marts_contents(a), marts_contents(b)
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], check_dtype=True, obj=f"marts.{name}")


def built_by(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select run_id from marts.build_info").fetchall()[0][0]
