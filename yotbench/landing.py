"""Cast a validated submission to typed tables and write them as Parquet.

Layout: DIR/parquet/<table>/<framework>/<inspection_id>/<hash12>.parquet, zstd.
The content hash in the file name makes each version a distinct file, so a new
version is written beside the old one and the ledger switches between them in one
transaction; the marts read exactly the files the ledger lists as current.
"""

from __future__ import annotations

import contextlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from yotbench.atomic import atomic_file
from yotbench.ingest import RawSubmission

LANDED_TABLES = {"inspection": "inspections", "cases": "cases", "answers": "answers", "ratings": "ratings"}

ARROW_SCHEMAS = {
    "inspections": pa.schema(
        [
            ("inspection_id", pa.string()),
            ("framework", pa.string()),
            ("provider", pa.string()),
            ("region", pa.string()),
            ("nation", pa.string()),
            ("fieldwork_start", pa.date32()),
            ("fieldwork_end", pa.date32()),
            ("published", pa.date32()),
            ("submission", pa.string()),
            ("content_hash", pa.string()),
            ("run_id", pa.string()),
            ("landed_at", pa.timestamp("s", tz="UTC")),
        ]
    ),
    "cases": pa.schema(
        [
            ("inspection_id", pa.string()),
            ("case_ref", pa.string()),
            ("case_type", pa.string()),
            ("disposal", pa.string()),
            ("gender", pa.string()),
            ("ethnicity", pa.string()),
            ("looked_after", pa.string()),
            ("age", pa.int8()),
            ("rosh", pa.string()),
            ("safety_wellbeing", pa.string()),
        ]
    ),
    "answers": pa.schema(
        [
            ("inspection_id", pa.string()),
            ("case_ref", pa.string()),
            ("question_id", pa.string()),
            ("answer", pa.string()),
        ]
    ),
    "ratings": pa.schema(
        [
            ("inspection_id", pa.string()),
            ("standard_id", pa.string()),
            ("rating", pa.string()),
            ("kind", pa.string()),
            ("reason", pa.string()),
        ]
    ),
}


# Text columns whose blank means "none": landed as null, like a blank date or number.
BLANK_IS_NULL = {("ratings", "reason")}


def _typed(values: pa.Array, type_: pa.DataType, blank_is_null: bool) -> pa.Array:
    """A validated text column as its landed type."""
    if blank_is_null:
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
    if pa.types.is_date(type_):
        return pc.strptime(values, format="%Y-%m-%d", unit="s").cast(type_)
    return values.cast(type_)


def typed_tables(raw: RawSubmission, run_id: str) -> dict[str, pa.Table]:
    """The submission's tables with landed types and lineage columns, built column by column in Arrow."""
    inspection_id = raw.tables["inspection"]["inspection_id"].iloc[0]
    lineage = {
        "submission": raw.submission.name,
        "content_hash": raw.submission.content_hash,
        "run_id": run_id,
        "landed_at": datetime.now(UTC).replace(microsecond=0),
    }
    out = {}
    for table, name in LANDED_TABLES.items():
        frame = raw.tables.get(table)
        if frame is None:
            continue
        constants = lineage if name == "inspections" else {"inspection_id": inspection_id}
        columns = []
        for field in ARROW_SCHEMAS[name]:
            if field.name in constants:
                columns.append(pa.array([constants[field.name]] * len(frame), type=field.type))
            else:
                blank_is_null = not pa.types.is_string(field.type) or (name, field.name) in BLANK_IS_NULL
                columns.append(_typed(pa.array(frame[field.name]), field.type, blank_is_null))
        out[name] = pa.Table.from_arrays(columns, schema=ARROW_SCHEMAS[name])
    return out


def parquet_path(parquet_dir: Path, table: str, framework: str, inspection_id: str, content_hash: str) -> Path:
    return parquet_dir / table / framework / inspection_id / f"{content_hash[:12]}.parquet"


def write_parquet(
    tables: dict[str, pa.Table], parquet_dir: Path, framework: str, inspection_id: str, content_hash: str
) -> dict[str, str]:
    """Write each table beside any older version; returns table -> path relative to parquet_dir's parent."""
    files = {}
    for name, table in tables.items():
        target = parquet_path(parquet_dir, name, framework, inspection_id, content_hash)
        with atomic_file(target) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        files[name] = target.relative_to(parquet_dir.parent).as_posix()
    return files


def retire(data_dir: Path, files: dict[str, str], history_dir: Path) -> None:
    """Move a superseded version's files out of the current store into history."""
    for relative in files.values():
        source = data_dir / relative
        if source.exists():
            target = history_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
            with contextlib.suppress(OSError):  # other versions may still live there
                source.parent.rmdir()
