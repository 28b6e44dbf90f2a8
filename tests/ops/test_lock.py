"""One run at a time per data directory; a killed run's lock does not block the next."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from yotbench.lock import RunLock, RunLocked

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from yotbench.lock import RunLock
    with RunLock(Path(sys.argv[1]), "holder-run"):
        print("locked", flush=True)
        time.sleep(60)
""")


def _hold(path):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_is_refused_with_who_holds_the_lock(tmp_path):
    path = tmp_path / "run.lock"
    holder = _hold(path)
    try:
        with pytest.raises(RunLocked) as caught, RunLock(path, "second-run"):
            pass
        message = str(caught.value)
        assert "is in use by run holder-run" in message
        assert f"pid {holder.pid}" in message
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_can_wait_for_the_first(tmp_path):
    path = tmp_path / "run.lock"
    holder = _hold(path)
    started = time.monotonic()
    subprocess.Popen(["sh", "-c", f"sleep 1; kill {holder.pid}"])
    with RunLock(path, "waiter", wait_seconds=30) as lock:
        waited = time.monotonic() - started
        assert lock.stale is not None and lock.stale["run_id"] == "holder-run"
    holder.wait()
    assert waited >= 0.9


def test_a_killed_holder_leaves_a_stale_lock_that_is_cleared(tmp_path):
    path = tmp_path / "run.lock"
    holder = _hold(path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert json.loads(path.read_text())["state"] == "running"  # what the dead run left behind
    with RunLock(path, "next-run") as lock:
        assert lock.stale["run_id"] == "holder-run"
        assert json.loads(path.read_text())["run_id"] == "next-run"
    assert json.loads(path.read_text())["state"] == "released"
    with RunLock(path, "after-clean-release") as lock:
        assert lock.stale is None
        assert lock.after_clean_release  # so the next run need not look for this one's leftovers


def test_only_a_recorded_release_counts_as_a_clean_end(tmp_path):
    path = tmp_path / "run.lock"
    with RunLock(path, "first-ever") as lock:
        assert not lock.after_clean_release and lock.stale is None  # no lock file: nothing known
    holder = _hold(path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with RunLock(path, "after-kill") as lock:
        assert not lock.after_clean_release and lock.stale["run_id"] == "holder-run"
    path.write_text("not json")
    with RunLock(path, "after-damage") as lock:
        assert not lock.after_clean_release


def _hold_as(path, command: str, seconds: float):
    script = HOLD.replace('"holder-run")', f'"holder-{command}", command="{command}")').replace("60", str(seconds))
    proc = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_run_waits_for_a_brief_but_not_for_another_run(tmp_path):
    path = tmp_path / "run.lock"
    brief = _hold_as(path, "brief", 1)
    with pytest.raises(RunLocked) as caught, RunLock(path, "impatient"):
        pass  # a caller that did not ask to wait for a brief is refused
    assert "is in use by brief holder-brief" in str(caught.value)
    told = []
    with RunLock(path, "night", wait_for_brief_seconds=60, on_wait=told.append) as lock:
        assert lock.stale is None and lock.after_clean_release  # the brief finished and released it
    brief.wait()
    assert [(holder["command"], holder["run_id"], holder["pid"]) for holder in told] == [
        ("brief", "holder-brief", brief.pid)
    ]  # once, however many times it looked

    run = _hold_as(path, "run", 2)
    with pytest.raises(RunLocked) as caught, RunLock(path, "night", wait_for_brief_seconds=60):
        pass  # had it waited, the holder's end 2 s later would have let it in
    assert "is in use by run holder-run" in str(caught.value)
    run.wait()
