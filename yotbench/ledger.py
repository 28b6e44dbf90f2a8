"""The ledger: what was seen, landed, superseded and rejected, and every run.

A small SQLite database at DIR/ledger.sqlite. SQLite gives each record an atomic
transaction, which is what crash safety needs: a submission counts as landed only
once its row here is committed, after its Parquet files are in place.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
create table if not exists runs (
    run_id       text primary key,
    started_at   text not null,
    ended_at     text,
    status       text not null,          -- running | published | no_change | failed
    summary      text                    -- JSON run record
);
create table if not exists submissions (
    id               integer primary key autoincrement,
    run_id           text not null,
    name             text not null,       -- folder or workbook name in raw/
    content_hash     text not null,
    format           text not null,
    inspection_id    text,
    framework        text,
    status           text not null,       -- landed | superseded | rejected
    received_at      text,
    recorded_at      text not null,
    error_count      integer not null default 0,
    warning_count    integer not null default 0,
    notice_count     integer not null default 0,
    rules_hash       text,
    quarantine_path  text,
    files            text,                -- JSON: table -> landed Parquet path (relative to DIR;
                                          --   once superseded, under parquet_history/ at the same path)
    superseded_by    integer references submissions(id),
    note             text
);
create index if not exists submissions_name_hash on submissions(name, content_hash);
create index if not exists submissions_inspection on submissions(inspection_id, status);
create index if not exists submissions_content on submissions(content_hash, status);
create table if not exists submission_tables (
    submission_id     integer not null references submissions(id),
    table_name        text not null,
    rows_read         integer not null,
    rows_landed       integer not null,
    rows_quarantined  integer not null,
    primary key (submission_id, table_name)
);
"""


# How content_hash is computed (ingest.content_hash), kept as SQLite's user_version. 2: without the
# submission's own name, so the same content under another name is the same content. A ledger of
# layout 0 recorded hashes with the name (ingest.legacy_content_hash); the first plan re-keys them.
HASH_LAYOUT = 2

KILLED = "killed:"  # how the error of a run recorded by mark_killed starts


def was_killed(run: dict) -> bool:
    """Whether a run record (Ledger.run / runs) is of a run found killed by a later one: its
    ended_at is when it was found, not when it died."""
    return ((run.get("summary") or {}).get("error") or "").startswith(KILLED)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class LedgerSubmission:
    id: int
    run_id: str
    name: str
    content_hash: str
    format: str
    inspection_id: str | None
    framework: str | None
    status: str
    received_at: str | None
    recorded_at: str
    error_count: int
    rules_hash: str | None
    quarantine_path: str | None
    files: dict[str, str]
    note: str | None


class Ledger:
    """Connection to the ledger; open one per thread (`with Ledger(path) as ledger`)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma foreign_keys=on")
        self.db.executescript(SCHEMA)
        if self.hash_layout() < HASH_LAYOUT and self.db.execute("select 1 from submissions limit 1").fetchone() is None:
            self.set_hash_layout()  # nothing recorded: nothing to re-key

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("begin immediate")
        try:
            yield self.db
        except BaseException:
            self.db.execute("rollback")
            raise
        self.db.execute("commit")

    # --- runs ----------------------------------------------------------------

    def start_run(self, run_id: str) -> None:
        with self.transaction() as db:
            db.execute("insert into runs(run_id, started_at, status) values (?, ?, 'running')", (run_id, now()))

    def finish_run(self, run_id: str, status: str, summary: dict) -> None:
        with self.transaction() as db:
            db.execute(
                "update runs set ended_at = ?, status = ?, summary = ? where run_id = ?",
                (now(), status, json.dumps(summary, default=str), run_id),
            )

    def mark_killed(self, run_id: str, found_by: str) -> bool:
        """Record a run that ended without releasing its lock (killed) as failed; False if it is not running."""
        error = f"{KILLED} ended without finishing or releasing its lock (found by run {found_by})"
        summary = {"run_id": run_id, "status": "failed", "error": error}
        with self.transaction() as db:
            changed = db.execute(
                "update runs set ended_at = ?, status = 'failed', summary = ? where run_id = ? and status = 'running'",
                (now(), json.dumps(summary), run_id),
            ).rowcount
        return bool(changed)

    def run(self, run_id: str) -> dict | None:
        row = self.db.execute("select * from runs where run_id = ?", (run_id,)).fetchone()
        return {**dict(row), "summary": json.loads(row["summary"]) if row["summary"] else None} if row else None

    def runs(self, limit: int = 10) -> list[dict]:
        rows = self.db.execute("select * from runs order by started_at desc, run_id desc limit ?", (limit,))
        return [{**dict(r), "summary": json.loads(r["summary"]) if r["summary"] else None} for r in rows]

    def last_published_run(self) -> dict | None:
        row = self.db.execute(
            "select * from runs where status = 'published' order by started_at desc, run_id desc limit 1"
        ).fetchone()
        return {**dict(row), "summary": json.loads(row["summary"])} if row else None

    # --- submissions ---------------------------------------------------------

    def _submission(self, row: sqlite3.Row) -> LedgerSubmission:
        return LedgerSubmission(
            id=row["id"],
            run_id=row["run_id"],
            name=row["name"],
            content_hash=row["content_hash"],
            format=row["format"],
            inspection_id=row["inspection_id"],
            framework=row["framework"],
            status=row["status"],
            received_at=row["received_at"],
            recorded_at=row["recorded_at"],
            error_count=row["error_count"],
            rules_hash=row["rules_hash"],
            quarantine_path=row["quarantine_path"],
            files=json.loads(row["files"] or "{}"),
            note=row["note"],
        )

    def latest(self, name: str, content_hash: str) -> LedgerSubmission | None:
        """The most recent record of this exact submission content."""
        row = self.db.execute(
            "select * from submissions where name = ? and content_hash = ? order by id desc limit 1",
            (name, content_hash),
        ).fetchone()
        return self._submission(row) if row else None

    def landed_with_content(self, content_hash: str) -> LedgerSubmission | None:
        """The live (landed, not superseded) record of this content, under whatever name."""
        row = self.db.execute(
            "select * from submissions where content_hash = ? and status = 'landed' order by id desc limit 1",
            (content_hash,),
        ).fetchone()
        return self._submission(row) if row else None

    def hash_layout(self) -> int:
        return self.db.execute("pragma user_version").fetchone()[0]

    def set_hash_layout(self) -> None:
        self.db.execute(f"pragma user_version = {HASH_LAYOUT}")

    def rekey(self, name: str, legacy_hash: str, content_hash: str) -> int:
        """Give the records of `name` hashed the legacy way the hash of the same content now; how many."""
        with self.transaction() as db:
            return db.execute(
                "update submissions set content_hash = ? where name = ? and content_hash = ?",
                (content_hash, name, legacy_hash),
            ).rowcount

    def last_rejected(self) -> dict[tuple[str, str], LedgerSubmission]:
        """(name, content_hash) -> its most recent record (latest()), for every content whose most
        recent record is a rejection: one query, where latest() per raw entry is 50,000 at scale 1000."""
        rows = self.db.execute(
            "select * from submissions where status = 'rejected' "
            "and id in (select max(id) from submissions group by name, content_hash)"
        )
        return {(row["name"], row["content_hash"]): self._submission(row) for row in rows}

    def current(self) -> list[LedgerSubmission]:
        """The landed, not superseded, version of every inspection."""
        rows = self.db.execute("select * from submissions where status = 'landed' order by inspection_id")
        return [self._submission(r) for r in rows]

    def current_files(self) -> list[tuple[str, str]]:
        """(table, path relative to the data folder) of every current submission's landed files, in
        current()'s order. Unpacked by SQLite rather than decoded into a record per submission, since
        every step that opens the store asks (scale 1000, 200,000 files: store.current_paths takes
        0.7-0.8 s with it, current_files took 2.1-2.9 s through current())."""
        rows = self.db.execute(
            "select files.key, files.value from submissions, json_each(submissions.files) as files "
            "where submissions.status = 'landed' order by submissions.inspection_id, files.key"
        )
        return [(table, relative) for table, relative in rows]

    def current_lineage(self) -> list[dict]:
        """name, content_hash, inspection_id, framework and run_id of every current submission, in
        current()'s order, without the rest of each record."""
        rows = self.db.execute(
            "select name, content_hash, inspection_id, framework, run_id from submissions "
            "where status = 'landed' order by inspection_id"
        )
        return [dict(row) for row in rows]

    def current_for(self, inspection_id: str) -> LedgerSubmission | None:
        row = self.db.execute(
            "select * from submissions where status = 'landed' and inspection_id = ?", (inspection_id,)
        ).fetchone()
        return self._submission(row) if row else None

    def current_named(self, name: str) -> LedgerSubmission | None:
        row = self.db.execute("select * from submissions where status = 'landed' and name = ?", (name,)).fetchone()
        return self._submission(row) if row else None

    def record(
        self,
        *,
        run_id: str,
        name: str,
        content_hash: str,
        format: str,
        status: str,
        inspection_id: str | None = None,
        framework: str | None = None,
        received_at: str | None = None,
        error_count: int = 0,
        warning_count: int = 0,
        notice_count: int = 0,
        rules_hash: str | None = None,
        quarantine_path: str | None = None,
        files: dict[str, str] | None = None,
        tables: dict[str, tuple[int, int, int]] | None = None,
        supersedes: list[int] | None = None,
        superseded_by: int | None = None,
        note: str | None = None,
    ) -> int:
        """Record one outcome; landed rows supersede the ids given, all in one transaction."""
        with self.transaction() as db:
            cursor = db.execute(
                """insert into submissions(run_id, name, content_hash, format, inspection_id, framework,
                       status, received_at, recorded_at, error_count, warning_count, notice_count,
                       rules_hash, quarantine_path, files, superseded_by, note)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    run_id,
                    name,
                    content_hash,
                    format,
                    inspection_id,
                    framework,
                    status,
                    received_at,
                    now(),
                    error_count,
                    warning_count,
                    notice_count,
                    rules_hash,
                    quarantine_path,
                    json.dumps(files or {}),
                    superseded_by,
                    note,
                ),
            )
            new_id = cursor.lastrowid
            for table, (read, landed, quarantined) in (tables or {}).items():
                db.execute(
                    "insert into submission_tables values (?, ?, ?, ?, ?)",
                    (new_id, table, read, landed, quarantined),
                )
            for old in supersedes or []:
                db.execute(
                    "update submissions set status = 'superseded', superseded_by = ? where id = ? and status = 'landed'",
                    (new_id, old),
                )
        return new_id

    def table_counts(self, submission_id: int) -> dict[str, tuple[int, int, int]]:
        rows = self.db.execute(
            "select table_name, rows_read, rows_landed, rows_quarantined from submission_tables where submission_id = ?",
            (submission_id,),
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def superseded_names(self, submission_id: int) -> list[str]:
        """The submissions that this one superseded when it landed."""
        rows = self.db.execute("select name from submissions where superseded_by = ? order by id", (submission_id,))
        return [r[0] for r in rows]

    def history(self) -> list[LedgerSubmission]:
        rows = self.db.execute("select * from submissions order by id")
        return [self._submission(r) for r in rows]
