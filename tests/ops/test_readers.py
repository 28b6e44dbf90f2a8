"""Analysts reading the marts while a run rebuilds and publishes never see an error or a partial state."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import copy_submission
from yotbench.cli import main

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import duckdb
    db, stop, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    query = '''
        select b.run_id, b.inspections, (select count(*) from marts.inspections),
               (select count(distinct inspection_id) from marts.question_results),
               (select count(*) from marts.inspection_ratings)
        from marts.build_info b
    '''
    con = duckdb.connect(str(db), read_only=True) if mode == "held" else None
    print("ready", flush=True)
    while not stop.exists():
        try:
            if mode == "held":
                row = con.execute(query).fetchall()[0]
            else:
                with duckdb.connect(str(db), read_only=True) as fresh:
                    row = fresh.execute(query).fetchall()[0]
            print(json.dumps({"row": [str(v) for v in row]}), flush=True)
        except Exception as exc:
            print(json.dumps({"error": repr(exc)}), flush=True)
        time.sleep(0.02)
""")


def test_readers_see_one_whole_database_or_the_other(prefect_harness, tmp_path, sample_raw, capsys):
    data = tmp_path / "data"
    sources = sorted(sample_raw.iterdir())
    for entry in sources[:3]:
        copy_submission(entry, data / "raw")
    assert main(["run", "--data-dir", str(data)]) == 0
    first_run = capsys.readouterr().out.split()[2].rstrip(":")

    db, stop = data / "marts" / "yotbench.duckdb", tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(db), str(stop), mode], stdout=subprocess.PIPE, text=True
        )
        for mode in ("held", "reconnecting")  # one connection throughout / a new connection per query
    }
    for reader in readers.values():
        assert reader.stdout.readline().strip() == "ready"
    copy_submission(sources[3], data / "raw")
    try:
        assert main(["run", "--data-dir", str(data)]) == 0  # the run rebuilds and publishes while they read
        second_run = capsys.readouterr().out.split()[2].rstrip(":")
        time.sleep(1.0)  # let the reconnecting reader open the new file
    finally:
        stop.touch()
        outputs = {mode: reader.communicate(timeout=60)[0] for mode, reader in readers.items()}

    for mode, out in outputs.items():
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        assert lines and not [entry for entry in lines if "error" in entry], mode
        seen = {}
        for entry in lines:
            run_id, inspections, *counts = entry["row"]
            assert counts == [inspections] * 3, entry  # every mart from the same build
            seen[run_id] = int(inspections)
        if mode == "held":
            assert seen == {first_run: 3}  # an open connection keeps its snapshot throughout
        else:
            assert seen == {first_run: 3, second_run: 4}  # the old file, then the new; nothing in between
