"""One run at a time per data directory: an advisory lock file.

The lock is an `flock` on DIR/run.lock, which the kernel releases when the
holding process ends however it ends, so a killed run never leaves a lock that
blocks the next one. The file also records who holds it, for the message a
second run prints, and whether the last holder finished cleanly.

Both commands that write published outputs take it: the nightly run and
`yotbench brief`, which writes into briefings/ where a run installs its own
and clears what a killed writer left. A run waits for a brief (it takes
seconds to a minute) rather than failing its night; a brief never waits.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from yotbench.errors import YotbenchError


class RunLocked(YotbenchError):
    """Another run holds the data directory."""


@dataclass
class RunLock:
    path: Path
    run_id: str
    command: str = "run"  # what holds it: "run" (the nightly flow) or "brief"
    wait_seconds: float = 0.0
    wait_for_brief_seconds: float = 0.0  # how long to wait while a `yotbench brief` holds it
    on_wait: Callable[[dict], None] | None = None  # told of the holder once, when waiting begins
    stale: dict | None = None  # what a killed earlier holder left behind, if anything
    after_clean_release: bool = False  # the last holder recorded that it finished (nothing of it left over)
    _fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        started, holder = time.monotonic(), None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                told = holder is not None
                holder = _read(fd) or holder  # caught mid-write (releasing), the file reads empty
                held_by = holder["command"] if holder else "run"
                patience = self.wait_seconds
                if held_by == "brief":
                    patience = max(patience, self.wait_for_brief_seconds)
                if time.monotonic() - started >= patience:
                    os.close(fd)
                    who = (
                        f"{held_by} {holder.get('run_id')} (pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('started')})"
                        if holder
                        else "another run"
                    )
                    raise RunLocked(f"{self.path.parent} is in use by {who}; try again when it finishes") from None
                if self.on_wait and holder and not told:
                    self.on_wait(holder)
                time.sleep(0.5)
        previous = _read(fd)
        if previous and previous.get("state") == "running":
            self.stale = previous  # its holder died without releasing: the kernel freed the lock
        self.after_clean_release = bool(previous) and previous.get("state") == "released"
        _write(
            fd,
            {
                "run_id": self.run_id,
                "command": self.command,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "state": "running",
            },
        )
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is None:
            return
        holder = _read(self._fd) or {}
        _write(self._fd, {**holder, "state": "released"})
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def _read(fd: int) -> dict | None:
    """The holder's record; one written before holders recorded their command is a run's."""
    os.lseek(fd, 0, os.SEEK_SET)
    data = os.read(fd, 4096)
    try:
        holder = json.loads(data) if data.strip() else None
    except json.JSONDecodeError:
        return None
    return {"command": "run", **holder} if isinstance(holder, dict) else None


def _write(fd: int, payload: dict) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(payload).encode())
    os.fsync(fd)
