"""The landed store: which Parquet files are current, according to the ledger."""

from __future__ import annotations

from pathlib import Path

from yotbench.config import RunConfig
from yotbench.ledger import Ledger

STORE_TABLES = ("inspections", "cases", "answers", "ratings")


def current_paths(config: RunConfig) -> dict[str, list[str]]:
    """current_files as text, in the ledger's order: what the store cache compares, without a Path
    object per file (200,000 at scale 1000). Each is spelled as str(config.data_dir / relative)."""
    paths: dict[str, list[str]] = {table: [] for table in STORE_TABLES}
    if not config.ledger_path.exists():
        return paths
    prefix = str(config.data_dir / "_")[:-1]  # the separator str(data_dir / relative) puts (none added after "/")
    with Ledger(config.ledger_path) as ledger:
        for table, relative in ledger.current_files():
            paths[table].append(prefix + relative)
    return paths


def current_files(config: RunConfig) -> dict[str, list[Path]]:
    """Absolute paths of the current version of every landed table, by table name."""
    return {table: sorted(map(Path, paths)) for table, paths in current_paths(config).items()}


def current_submissions(config: RunConfig) -> list[dict]:
    """Lineage of the current store: submission name, content hash, inspection and framework."""
    if not config.ledger_path.exists():
        return []
    with Ledger(config.ledger_path) as ledger:
        return [
            {
                "submission": s["name"],
                "content_hash": s["content_hash"],
                "inspection_id": s["inspection_id"],
                "framework": s["framework"],
                "landed_in_run": s["run_id"],
            }
            for s in ledger.current_lineage()
        ]
