"""The landed store: which Parquet files are current, according to the ledger."""

from __future__ import annotations

from pathlib import Path

from yotbench.config import RunConfig
from yotbench.ledger import Ledger

STORE_TABLES = ("inspections", "cases", "answers", "ratings")


def current_files(config: RunConfig) -> dict[str, list[Path]]:
    """Absolute paths of the current version of every landed table, by table name."""
    files: dict[str, list[Path]] = {table: [] for table in STORE_TABLES}
    if not config.ledger_path.exists():
        return files
    with Ledger(config.ledger_path) as ledger:
        for sub in ledger.current():
            for table, relative in sub.files.items():
                files[table].append(config.data_dir / relative)
    return {table: sorted(paths) for table, paths in files.items()}


def current_submissions(config: RunConfig) -> list[dict]:
    """Lineage of the current store: submission name, content hash, inspection and framework."""
    if not config.ledger_path.exists():
        return []
    with Ledger(config.ledger_path) as ledger:
        return [
            {
                "submission": s.name,
                "content_hash": s.content_hash,
                "inspection_id": s.inspection_id,
                "framework": s.framework,
                "landed_in_run": s.run_id,
            }
            for s in ledger.current()
        ]
