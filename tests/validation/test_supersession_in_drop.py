"""Several versions of one inspection in one drop: the newest that passes the gate is the live one.

Versions newer than it that were rejected stay rejected; versions older than it are superseded by it;
if every version is rejected, nothing is superseded and nothing lands.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pyarrow.parquet as pq
import pytest

from yotbench.config import RunConfig
from yotbench.frameworks import load_frameworks
from yotbench.ingest import discover
from yotbench.ledger import Ledger
from yotbench.pipeline import land_pending, process_submission, record_superseded_in_drop, rules_hash
from yotbench.sample import generate_inspection, write_submission
from yotbench.store import current_files, current_submissions

ASHFORD = "yos-00001_ashford"


@pytest.fixture(scope="module")
def ashford():
    """The sample's first inspection, as it is written to raw/ (a CSV folder)."""
    return generate_inspection(load_frameworks()["yos-2018"], index=0)


def _revised(tables, region: str):
    revised = {name: frame.copy() for name, frame in tables.items()}
    revised["inspection"]["region"] = region
    return revised


def _rejected(tables):
    """A copy with one answer outside the answer set (code_not_in_set)."""
    bad = {name: frame.copy() for name, frame in tables.items()}
    bad["answers"].loc[bad["answers"].index[5], "answer"] = "maybe"
    return bad


def _drop(config: RunConfig, versions: dict[str, dict]) -> None:
    """Write each version to raw/ under its name, received a day after the one before."""
    for day, (name, tables) in enumerate(versions.items(), start=1):
        write_submission(tables, config.raw_dir, name, "csv", received=dt.date(2021, 1, day))


def _statuses(config: RunConfig) -> dict[str, str]:
    with Ledger(config.ledger_path) as ledger:
        return {record.name: record.status for record in ledger.history()}


def _notes(config: RunConfig) -> dict[str, str | None]:
    with Ledger(config.ledger_path) as ledger:
        return {record.name: record.note for record in ledger.history()}


def _store(config: RunConfig) -> list[str]:
    """The submissions whose Parquet is in the store, checked against every file under parquet/."""
    files = current_files(config)
    on_disk = sorted(config.parquet_dir.rglob("*.parquet")) if config.parquet_dir.exists() else []
    assert sorted(path for paths in files.values() for path in paths) == on_disk
    return sorted(name for path in files["inspections"] for name in pq.read_table(path)["submission"].to_pylist())


def test_a_rejected_newer_version_leaves_the_older_one_to_land(tmp_path, ashford):
    config = RunConfig(data_dir=tmp_path)
    _drop(config, {ASHFORD: ashford, f"{ASHFORD}_v2": _rejected(ashford)})

    _, outcomes = land_pending(config, run_id="r1")

    assert [(o.name, o.status, o.superseded) for o in outcomes] == [
        (f"{ASHFORD}_v2", "rejected", []),
        (ASHFORD, "landed", []),
    ]
    assert _statuses(config) == {ASHFORD: "landed", f"{ASHFORD}_v2": "rejected"}
    assert _store(config) == [ASHFORD]

    shutil.rmtree(config.raw_dir / f"{ASHFORD}_v2")
    plan, again = land_pending(config, run_id="r2")

    assert again == [] and [s.name for s in plan.unchanged] == [ASHFORD]
    assert _statuses(config) == {ASHFORD: "landed", f"{ASHFORD}_v2": "rejected"}
    assert _store(config) == [ASHFORD]


def test_a_valid_newer_version_supersedes_the_older_one_in_the_drop(tmp_path, ashford):
    config = RunConfig(data_dir=tmp_path)
    _drop(config, {ASHFORD: ashford, f"{ASHFORD}_v2": _revised(ashford, "Wales")})

    _, outcomes = land_pending(config)

    assert [(o.name, o.status) for o in outcomes] == [(f"{ASHFORD}_v2", "landed"), (ASHFORD, "superseded")]
    assert _statuses(config) == {f"{ASHFORD}_v2": "landed", ASHFORD: "superseded"}
    assert _notes(config)[ASHFORD] == f"superseded in the same drop by {ASHFORD}_v2"
    assert _store(config) == [f"{ASHFORD}_v2"]

    plan, again = land_pending(config)  # superseded by a landed version: settled

    assert again == [] and sorted(s.name for s in plan.unchanged) == [ASHFORD, f"{ASHFORD}_v2"]


def test_the_newest_version_that_passes_is_live_and_supersedes_the_older_ones(tmp_path, ashford):
    versions = {ASHFORD: ashford, f"{ASHFORD}_v2": _revised(ashford, "Wales"), f"{ASHFORD}_v3": _rejected(ashford)}
    config = RunConfig(data_dir=tmp_path / "first")
    _drop(config, versions)

    _, outcomes = land_pending(config)

    assert [(o.name, o.status) for o in outcomes] == [
        (f"{ASHFORD}_v3", "rejected"),
        (f"{ASHFORD}_v2", "landed"),
        (ASHFORD, "superseded"),
    ]
    assert _statuses(config) == {f"{ASHFORD}_v3": "rejected", f"{ASHFORD}_v2": "landed", ASHFORD: "superseded"}
    assert _notes(config)[ASHFORD] == f"superseded in the same drop by {ASHFORD}_v2"
    assert _store(config) == [f"{ASHFORD}_v2"]

    rebuild = RunConfig(data_dir=tmp_path / "rebuild")  # the same raw folder, file times kept
    shutil.copytree(config.raw_dir, rebuild.raw_dir)
    land_pending(rebuild)

    lineage = [(s["submission"], s["content_hash"]) for s in current_submissions(config)]
    assert [(s["submission"], s["content_hash"]) for s in current_submissions(rebuild)] == lineage
    assert _statuses(rebuild) == _statuses(config)


def test_when_every_version_is_rejected_all_are_rejected_and_none_superseded(tmp_path, ashford):
    config = RunConfig(data_dir=tmp_path)
    worse = _rejected(ashford)
    worse["cases"].loc[worse["cases"].index[0], "gender"] = "M"
    _drop(config, {ASHFORD: _rejected(ashford), f"{ASHFORD}_v2": worse})

    _, outcomes = land_pending(config)

    assert [(o.name, o.status) for o in outcomes] == [(f"{ASHFORD}_v2", "rejected"), (ASHFORD, "rejected")]
    assert _statuses(config) == {f"{ASHFORD}_v2": "rejected", ASHFORD: "rejected"}
    assert _store(config) == []


def test_a_version_an_earlier_run_superseded_by_a_rejected_one_lands(tmp_path, ashford):
    """Ledgers written before the newest passing version was live can hold this state."""
    config = RunConfig(data_dir=tmp_path)
    _drop(config, {ASHFORD: ashford, f"{ASHFORD}_v2": _rejected(ashford)})
    older, newer = discover(config.raw_dir)
    record_superseded_in_drop(older, newer, config, "r0")
    assert process_submission(newer, config, "r0", rules_hash()).status == "rejected"

    plan, outcomes = land_pending(config, run_id="r1")

    assert [s.name for s in plan.awaiting] == [f"{ASHFORD}_v2"]
    assert [(o.name, o.status) for o in outcomes] == [(ASHFORD, "landed")]
    assert _store(config) == [ASHFORD]


def test_the_quarantine_readme_names_the_configured_raw_folder(tmp_path, ashford):
    config = RunConfig(data_dir=tmp_path / "inspections")
    _drop(config, {ASHFORD: _rejected(ashford)})

    land_pending(config, run_id="r1")

    readme = (config.quarantine_dir / "r1" / ASHFORD / "README.txt").read_text()
    assert f"drop the corrected version into\n{config.raw_dir}/ (under the same name" in readme
    assert "data/raw/" not in readme


@pytest.mark.prefect
def test_the_nightly_flow_lands_the_newest_version_that_passes(prefect_harness, tmp_path, ashford):
    from flows.nightly import nightly

    config = RunConfig(data_dir=tmp_path, briefing=False)
    _drop(config, {ASHFORD: ashford, f"{ASHFORD}_v2": _revised(ashford, "Wales"), f"{ASHFORD}_v3": _rejected(ashford)})

    summary = nightly(config, run_id="r1")

    assert [(o["name"], o["status"]) for o in summary["submissions"]] == [
        (f"{ASHFORD}_v3", "rejected"),
        (f"{ASHFORD}_v2", "landed"),
        (ASHFORD, "superseded"),
    ]
    assert _statuses(config) == {f"{ASHFORD}_v3": "rejected", f"{ASHFORD}_v2": "landed", ASHFORD: "superseded"}
    assert _store(config) == [f"{ASHFORD}_v2"]


def test_a_submission_put_back_as_it_was_lands_again(tmp_path, ashford):
    # A lands; the same raw entry is overwritten with B, which supersedes A; then it is put back to A.
    # The raw folder now holds A alone, as a rebuild from it would land, so A is the live version again.
    config = RunConfig(data_dir=tmp_path)
    folder = config.raw_dir / ASHFORD
    for run, (day, tables) in enumerate([(1, ashford), (2, _revised(ashford, "Wales")), (3, ashford)], start=1):
        shutil.rmtree(folder, ignore_errors=True)
        write_submission(tables, config.raw_dir, ASHFORD, "csv", received=dt.date(2021, 1, day))
        plan, outcomes = land_pending(config, run_id=f"r{run}")
        assert [(o.name, o.status) for o in outcomes] == [(ASHFORD, "landed")], run

    with Ledger(config.ledger_path) as ledger:
        assert [(r.run_id, r.status) for r in ledger.history()] == [
            ("r1", "superseded"),
            ("r2", "superseded"),
            ("r3", "landed"),
        ]
        hashes = [r.content_hash for r in ledger.history()]
    assert hashes[0] == hashes[2] != hashes[1]
    files = current_files(config)
    assert [pq.read_table(p)["region"].to_pylist() for p in files["inspections"]] == [["North East"]]
    # and a run with nothing changed leaves it so
    plan, outcomes = land_pending(config, run_id="r4")
    assert (outcomes, [s.name for s in plan.unchanged]) == ([], [ASHFORD])
    assert _live(config) == _live(_rebuilt(config, tmp_path))


def _live(config: RunConfig) -> dict[str, str]:
    with Ledger(config.ledger_path) as ledger:
        return {r.name: r.content_hash for r in ledger.history() if r.status == "landed"}


def _rebuilt(config: RunConfig, tmp_path) -> RunConfig:
    """A new store landed from a copy of the raw folder (times kept) in one run."""
    fresh = RunConfig(data_dir=tmp_path / "rebuilt")
    shutil.copytree(config.raw_dir, fresh.raw_dir)
    land_pending(fresh, run_id="rebuild")
    return fresh


def test_an_older_version_received_again_after_the_newer_one_is_live_again(tmp_path, ashford):
    # the live version is the newest received; receiving the older entry again (a new copy of the
    # same content) makes it the newest, in the running store as in a rebuild from the raw folder
    config = RunConfig(data_dir=tmp_path)
    _drop(config, {ASHFORD: ashford, f"{ASHFORD}_v2": _revised(ashford, "Wales")})
    land_pending(config, run_id="r1")
    assert _statuses(config) == {ASHFORD: "superseded", f"{ASHFORD}_v2": "landed"}
    shutil.rmtree(config.raw_dir / ASHFORD)
    write_submission(ashford, config.raw_dir, ASHFORD, "csv", received=dt.date(2021, 1, 3))

    _, outcomes = land_pending(config, run_id="r2")

    assert [(o.name, o.status, o.superseded) for o in outcomes] == [(ASHFORD, "landed", [f"{ASHFORD}_v2"])]
    assert _store(config) == [ASHFORD]
    assert _live(config) == _live(_rebuilt(config, tmp_path))


def test_versions_received_in_the_same_second_are_ordered_by_name_and_stay_so(tmp_path, ashford):
    # the plan orders versions as the ledger records them (to the second, then by name), so the live
    # version it picks is the one later runs agree on: no version lands again on the next run
    config = RunConfig(data_dir=tmp_path)
    early, late = f"{ASHFORD}_b", f"{ASHFORD}_a"  # "_b" written 0.4 s before "_a", in the same second
    for name, region, seconds in ((early, "Wales", 0.1), (late, "North East", 0.5)):
        folder = write_submission(_revised(ashford, region), config.raw_dir, name, "csv")
        stamp = dt.datetime(2021, 1, 1, 12, 0, 0).timestamp() + seconds
        for path in folder.iterdir():
            os.utime(path, (stamp, stamp))

    land_pending(config, run_id="r1")
    assert _statuses(config) == {early: "landed", late: "superseded"}
    plan, outcomes = land_pending(config, run_id="r2")
    assert outcomes == [] and sorted(s.name for s in plan.unchanged) == [late, early]
    assert _live(config) == _live(_rebuilt(config, tmp_path))
