"""Named points where a test can stop a run dead, to prove crash safety.

Set YOTBENCH_PAUSE_AT to a point name (e.g. `landing`, `marts`, `briefing`): when
the run reaches that point it writes DIR/.tmp/paused-<name> and sleeps, so the
test can SIGKILL it there. Unset (always, outside tests), `checkpoint` does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ENV = "YOTBENCH_PAUSE_AT"


def checkpoint(name: str, data_dir: Path) -> None:
    if os.environ.get(ENV) != name:
        return
    marker = data_dir / ".tmp" / f"paused-{name}"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    time.sleep(600)
