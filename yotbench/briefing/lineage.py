"""What a briefing was built from: run id, time, the submissions with their content hashes, versions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from yotbench import __version__
from yotbench.config import RunConfig
from yotbench.store import current_submissions


def collect(
    config: RunConfig,
    *,
    framework: str,
    inspection_ids: set[str],
    run_id: str,
    written_at: datetime | None = None,
    db: Path | None = None,
) -> dict:
    """The lineage record of one briefing: only the submissions behind its inspections, and the
    marts file it was read from: `db` when given (the nightly run's build, published after the
    briefings are written; publishing keeps its modification time), else the published one."""
    submissions = [
        {
            "submission": s["submission"],
            "content_hash": s["content_hash"],
            "inspection_id": s["inspection_id"],
            "landed_in_run": s["landed_in_run"],
        }
        for s in current_submissions(config)
        if s["framework"] == framework and s["inspection_id"] in inspection_ids
    ]
    marts = config.marts_db
    built = db or marts
    return {
        "run_id": run_id,
        "written_at": (written_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "yotbench_version": __version__,
        # where the marts are within the data folder: the published file names no local path
        "marts_db": marts.relative_to(config.data_dir).as_posix()
        if marts.is_relative_to(config.data_dir)
        else marts.name,
        "marts_db_modified": (
            datetime.fromtimestamp(built.stat().st_mtime, UTC).isoformat(timespec="seconds") if built.exists() else None
        ),
        "suppress_below": config.suppress_below,
        "suppress_per_inspection": config.suppress_per_inspection,
        "alpha": config.alpha,
        "min_gap_pp": config.min_gap_pp,
        "submissions": sorted(submissions, key=lambda s: (s["inspection_id"] or "", s["submission"])),
    }
