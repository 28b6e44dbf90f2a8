"""Find submissions in a raw folder and read them into string tables.

A submission is either a folder of CSV files or one .xlsx workbook. Reading never
changes the raw files. Everything is read as text: types are checked by the
validation gate, so a bad value is reported with its row instead of crashing a
parser. Structural problems (a missing file, sheet or column, an unreadable or
empty file, ragged rows) are collected as `Problem`s; lossless clean-ups (a BOM,
case and whitespace in codes, `N/A` for `na`) are applied and counted as notices.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from python_calamine import CalamineWorkbook

from yotbench.atomic import atomic_file
from yotbench.errors import Problem
from yotbench.records import TABLES, ColumnSpec, RecordSchema, load_record_schemas

log = logging.getLogger(__name__)

ROW_COLUMN = "_row"  # spreadsheet row number of each record (header = row 1)
IGNORED_ENTRIES = re.compile(r"^(\.|_|~\$|readme)", re.IGNORECASE)
# Files inside a submission folder that are no part of it and leave its content hash alone: hidden files,
# the lock file Excel keeps beside a CSV it has open (~$answers.csv), Windows' Thumbs.db and desktop.ini.
STRAY_FILES = re.compile(r"^(\.|~\$)|^(thumbs\.db|desktop\.ini)$", re.IGNORECASE)
MAX_LISTED = 50  # ragged rows etc. listed per file before summarising
# One inspection's files are well under 2 MB (125 cases x 116 questions is ~0.4 MB of answers); a
# file of 64 MB or more is rejected before it is read, so one bad drop cannot exhaust memory or time.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Submission:
    """One entry of the raw folder."""

    name: str
    path: Path
    format: Literal["csv", "xlsx", "unknown"]
    content_hash: str
    received: float  # modification time of the newest file, seconds since the epoch
    listed: tuple[str, ...] = ()  # the files hashed: paths relative to the raw folder, POSIX form, in path order

    @property
    def received_at(self) -> str:
        """`received` as the ledger records it (UTC, ISO 8601 to the second)."""
        return dt.datetime.fromtimestamp(self.received, dt.UTC).isoformat(timespec="seconds")

    @property
    def files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(p for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))
        return [self.path]


@dataclass
class Notice:
    """A lossless normalisation applied to a submission."""

    file: str
    column: str | None
    count: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, column {self.column}" if self.column else self.file
        return f"{where}: {self.message}"


@dataclass
class RawSubmission:
    """A submission read into string tables, with what reading found."""

    submission: Submission
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # table -> display file name
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # tables whose file or sheet is in the submission
    # "table.column" of each contract column reading could not supply (see unread_columns): the gate
    # checks everything else, and skips the rules that read one of these
    unread: frozenset[str] = frozenset()

    def rows_read(self) -> dict[str, int]:
        return {table: len(frame) for table, frame in self.tables.items()}


def _hash_files(paths: list[Path], root: Path) -> str:
    """The content hash of a submission: SHA-256 over each file's path relative to `root` and its
    bytes (the submission's folder as root: the names inside it count, the folder's own name
    does not). A workbook's is its file's SHA-256 (`sha256sum` gives the same)."""
    digest = hashlib.sha256()
    if len(paths) == 1 and paths[0] == root:  # a workbook: its bytes alone
        _update(digest, root)
        return digest.hexdigest()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        _update(digest, path)
        digest.update(b"\0")
    return digest.hexdigest()


def _update(digest, path: Path) -> None:
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)


def content_hash(raw_dir: Path, name: str, files: list[str]) -> str:
    """The content hash of submission `name` from its files (paths relative to raw_dir, POSIX form, in
    path order): what the ledger keys it by, so the same content under another name is the same."""
    return _hash_files([raw_dir / f for f in files], raw_dir / name)


def legacy_content_hash(sub: Submission, raw_dir: Path) -> str:
    """The hash the ledger recorded before 2026-12-08, whose paths started with the submission's own
    name (so a copy under a new name was new content): the same hash taken from the raw folder
    rather than the submission. Only to re-key such a ledger's records."""
    return _hash_files([raw_dir / f for f in sub.listed], raw_dir)


class HashCache:
    """Content hashes of raw submissions, kept against their files' stat signatures (path, size,
    mtime, ctime, inode), so a listing reads only what is new or changed. The raw folder only grows,
    and hashing every file was 80% of listing it (scale 100: 5,000 submissions, 194 MB).

    A signature is trusted only once its files are `settle_seconds` old, as git treats a racily clean
    index entry: a file rewritten within one tick of a coarse clock is hashed again. Any change to a
    file's content moves its ctime, which no program can set back. Scratch: safe to delete."""

    LAYOUT = "2"  # 2: content hashes without the submission's name (ledger hash layout 2)
    SETTLE_SECONDS = 2.0

    def __init__(self, path: Path, settle_seconds: float | None = None) -> None:
        self.path = path
        self.settle_seconds = self.SETTLE_SECONDS if settle_seconds is None else settle_seconds
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self._known = dict(data["hashes"]) if data.get("layout") == self.LAYOUT else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._known = {}
        self._seen: dict[str, list[str]] = {}
        self.hashed = 0  # submissions whose files were read this time

    def content_hash(self, name: str, files: list[str], stats: list[os.stat_result], root: Path) -> str:
        """The hash of `files` (paths relative to `root`, POSIX form; `stats`, their os.stat results):
        the kept one if they are unchanged."""
        signature = hashlib.sha256(
            repr(
                [
                    (f, s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino, s.st_dev)
                    for f, s in zip(files, stats, strict=True)
                ]
            ).encode()
        ).hexdigest()
        known = self._known.get(name)
        if isinstance(known, list) and len(known) == 2 and known[0] == signature:
            digest = known[1]
        else:
            digest = content_hash(root, name, files)
            self.hashed += 1
        newest = max((max(s.st_mtime_ns, s.st_ctime_ns) for s in stats), default=0) / 1e9
        if time.time() - newest >= self.settle_seconds:
            self._seen[name] = [signature, digest]
        return digest

    def save(self) -> None:
        """Keep the settled hashes of the submissions this listing saw (and no others). A cache that
        cannot be written is not an error: the next listing hashes again."""
        try:
            with atomic_file(self.path) as tmp:
                tmp.write_text(json.dumps({"layout": self.LAYOUT, "hashes": self._seen}), encoding="utf-8")
        except OSError as exc:
            log.warning("raw hash cache %s not written (%s); the next run hashes every submission", self.path, exc)


def has_submissions(raw_dir: Path) -> bool:
    """Whether discover(raw_dir) would list anything, without hashing a file."""
    return raw_dir.exists() and any(not IGNORED_ENTRIES.match(entry.name) for entry in raw_dir.iterdir())


def _files_in(folder: str, relative: str) -> Iterator[tuple[str, os.stat_result]]:
    """The files under `folder` (whose path relative to the raw folder is `relative`) as paths relative
    to the raw folder, POSIX form, with their os.stat results; STRAY_FILES left out; symlinked folders
    are not entered (as Path.rglob). os.scandir knows what is a folder without a stat, and the paths
    stay text: at scale 1000 (50,000 submissions, 200,000 files) making, comparing and relativising
    Path objects took 6 of the 8 seconds a listing took."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _files_in(entry.path, f"{relative}/{entry.name}")
            elif entry.is_file() and not STRAY_FILES.match(entry.name):
                yield f"{relative}/{entry.name}", entry.stat()


def _path_order(listed: tuple[str, os.stat_result]) -> list[str]:
    """Sort key of a listed file: its path part by part, the order of sorted Path objects (the order
    its content hash reads the files in: "a/b" before "a-c", which sorting the text would reverse)."""
    return listed[0].split("/")


def discover(raw_dir: Path, hashes: HashCache | None = None) -> list[Submission]:
    """List the submissions in raw_dir, oldest received first, then by name (content hashes from
    `hashes` where a submission's files are unchanged since it saw them)."""
    found = []
    if not raw_dir.exists():
        return found
    with os.scandir(raw_dir) as listing:
        entries = sorted((e for e in listing if not IGNORED_ENTRIES.match(e.name)), key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir():
            listed = sorted(_files_in(entry.path, entry.name), key=_path_order)
            files, stats = [f for f, _ in listed], [s for _, s in listed]
            fmt: Literal["csv", "xlsx", "unknown"] = "csv"
        else:
            files, stats = [entry.name], [entry.stat()]
            fmt = "xlsx" if entry.name.lower().endswith(".xlsx") else "unknown"
        # (a `default=` would stat the entry again for every submission, files or not)
        received = max(s.st_mtime for s in stats) if stats else entry.stat().st_mtime
        if hashes:
            digest = hashes.content_hash(entry.name, files, stats, raw_dir)
        else:
            digest = content_hash(raw_dir, entry.name, files)
        found.append(Submission(entry.name, raw_dir / entry.name, fmt, digest, received, tuple(files)))
    return sorted(found, key=lambda s: (s.received, s.name))


# --- reading -----------------------------------------------------------------


def _problem(
    file: str, rule: str, message: str, row: int | None = None, column: str | None = None, value: str | None = None
) -> Problem:
    return Problem(file=file, row=row, column=column, value=value, rule=rule, message=message)


def _header_key(name: object) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


def _too_large(path: Path, display: str, raw: RawSubmission) -> bool:
    size = path.stat().st_size
    if size < MAX_FILE_BYTES:
        return False
    raw.problems.append(
        _problem(
            display,
            "file_too_large",
            f"{display} is {size / 2**20:.0f} MB; a submission file must be under {MAX_FILE_BYTES // 2**20} MB "
            "(one inspection's data is a few MB at most)",
        )
    )
    return True


def _csv_records(text: str, strict: bool = False):
    """A csv reader over text. Lines end at CR LF, LF or CR alone, as pyarrow reads them (Excel for
    Mac's "CSV (Macintosh)" ends lines with a bare CR), and a field may be as long as its file.

    csv.field_size_limit (128 KB by default) is process-wide. It is only ever raised, to the file
    limit that _too_large has already checked, so submissions read in parallel never see it lowered."""
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)
    return csv.reader(io.StringIO(text, newline=""), strict=strict)


def _unreadable(display: str, exc: Exception, row: int | None = None) -> Problem:
    return _problem(display, "file_unreadable", f"{display} cannot be read as CSV: {exc}", row=row)


def _read_csv(path: Path, display: str, raw: RawSubmission) -> pd.DataFrame | None:
    """Read one CSV file as text; None (with problems recorded) if it cannot be read."""
    if _too_large(path, display, raw):
        return None
    data = path.read_bytes()
    if not data.strip():
        raw.problems.append(_problem(display, "file_empty", f"{display} is empty: it needs a header row and data rows"))
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raw.problems.append(
            _problem(display, "file_not_utf8", f"{display} is saved as UTF-16 text; save it as 'CSV UTF-8'", row=1)
        )
        return None
    if b"\0" in data[:65536] or b"\0" in data[-65536:]:
        raw.problems.append(
            _problem(display, "file_not_text", f"{display} is not a text CSV file (it contains binary data)")
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raw.problems.append(
            _problem(
                display,
                "file_not_utf8",
                f"{display} is not UTF-8: byte 0x{data[exc.start]:02x} on line {line} cannot be decoded; "
                "save the file as 'CSV UTF-8'",
                row=line,
            )
        )
        return None
    if text.startswith("\ufeff"):
        raw.notices.append(Notice(display, None, 1, "byte-order mark removed"))
        text = text[1:]
        data = data[3:]
    try:
        first = next(_csv_records(text), [])
    except csv.Error as exc:
        raw.problems.append(_unreadable(display, exc, row=1))
        return None
    header = [_header_key(h) for h in first]
    read_as = zip((h.replace("\ufeff", "") for h in first), header, strict=True)
    renamed = [(h, k) for h, k in read_as if h != k]
    if renamed:
        examples = ", ".join(f"{h!r} as {k!r}" for h, k in renamed[:3])
        raw.notices.append(Notice(display, None, len(renamed), f"{len(renamed)} column names read as {examples}"))
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        raw.problems.append(
            _problem(
                display,
                "file_delimiter",
                f"{display} separates its columns with {separator}; save it as comma-separated CSV",
                row=1,
            )
        )
        return None
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated or any(h == "" for h in header):
        for name in duplicated:
            raw.problems.append(
                _problem(
                    display,
                    "column_duplicated",
                    f"column {name!r} appears more than once in the header",
                    row=1,
                    column=name,
                )
            )
        if "" in header:
            raw.problems.append(_problem(display, "column_unnamed", "the header has an empty column name", row=1))
        return None
    if '"' in text and _report_misquoted(text, display, raw):
        return None
    ragged: list[tuple[int | None, int, int]] = []

    def on_invalid(row) -> str:
        ragged.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError) as exc:
        raw.problems.append(_unreadable(display, exc))
        return None
    if ragged:
        _report_ragged(text, display, len(header), raw)
        return None
    frame = table.to_pandas()
    rows = range(2, len(frame) + 2)
    if _has_empty_line(text):  # pyarrow skips empty lines, a spreadsheet shows them as rows
        rows = _row_numbers(text)
        if len(rows) != len(frame):  # the two readers disagree on the records: do not guess the rows
            raw.problems.append(_unreadable(display, ValueError("its rows cannot be numbered (empty lines)")))
            return None
    frame.insert(0, ROW_COLUMN, rows)
    if _may_have_commas_only(text) and _COMMAS_ONLY.search(text):
        blank = frame[header].apply(lambda column: column.str.strip().eq("")).all(axis=1)
        if blank.any():
            raw.notices.append(Notice(display, None, int(blank.sum()), f"{int(blank.sum())} empty row(s) ignored"))
            frame = frame[~blank.to_numpy()].reset_index(drop=True)
    return frame


# A line of commas alone (and spaces or tabs): what a spreadsheet writes for a row it has cleared.
_COMMAS_ONLY = re.compile(r"(?:^|\r|\n)[ \t]*,[ \t,]*(?:\r|\n|$)")


def _has_empty_line(text: str) -> bool:
    """Whether a line end (CR LF, CR or LF) is followed by another: \n\n, \n\r or \r\r somewhere (\r\n\r\n
    holds \n\r, \r\n\n holds \n\n). Substring search, a few times faster than a regex on every file landed."""
    return "\n\n" in text or "\n\r" in text or "\r\r" in text


def _may_have_commas_only(text: str) -> bool:
    """False when no line can start with a comma, a space or a tab (so _COMMAS_ONLY cannot match)."""
    return text[:1] in (",", " ", "\t") or any(f"{end}{c}" in text for end in "\n\r" for c in ", \t")


def _row_numbers(text: str) -> list[int]:
    """The spreadsheet row of each record pyarrow reads, for a file with empty lines: it skips them, a
    spreadsheet shows them as rows (and a record with a line break inside a quoted value is one row)."""
    return [row for row, record in enumerate(_csv_records(text), start=1) if record][1:]  # the header is row 1


_LINE_ENDS = re.compile(r"\r\n|\r|\n")


def _report_misquoted(text: str, display: str, raw: RawSubmission) -> bool:
    """Name the first record whose quotes do not close cleanly; True if there is one.

    pyarrow reads `"yos-00001"x` as `yos-00001x` and lets a quote that is never closed run on to
    the end of the file; Python's csv reader in strict mode rejects both, so a value is never
    silently joined to what follows its closing quote."""
    reader = _csv_records(text, strict=True)
    read, first_line = 0, 1  # records read cleanly (the header first); the line the next one starts on
    try:
        for _ in reader:
            read += 1
            first_line = reader.line_num + 1
    except csv.Error:
        lines = _LINE_ENDS.split(text)  # the lines reader.line_num counts
        line = lines[first_line - 1] if first_line <= len(lines) else ""
        raw.problems.append(
            _problem(
                display,
                "row_quoting",
                f"row {read + 1} has text after a closing quote, or a quote that is never closed; "
                'a quote inside a quoted value is written twice ("")',
                row=read + 1,
                value=line[:120],
            )
        )
        return True
    return False


def _report_ragged(text: str, display: str, width: int, raw: RawSubmission) -> None:
    """Name each record whose field count differs from the header's (record-numbered rows)."""
    listed = 0
    total = 0
    reader = _csv_records(text)
    try:
        for number, record in enumerate(reader, start=1):
            if number == 1 or not record or len(record) == width:
                continue
            total += 1
            if listed < MAX_LISTED:
                listed += 1
                raw.problems.append(
                    _problem(
                        display,
                        "row_field_count",
                        f"row {number} has {len(record)} fields; the header has {width}",
                        row=number,
                        value=",".join(record)[:120],
                    )
                )
    except csv.Error as exc:
        raw.problems.append(_unreadable(display, exc))
        return
    if total > listed:
        more = _problem(display, "row_field_count", f"{total - listed} more rows have the wrong number of fields")
        raw.problems.append(replace(more, count=total - listed))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(sub: Submission, schemas: dict[str, RecordSchema], raw: RawSubmission) -> None:
    display = sub.path.name
    if _too_large(sub.path, display, raw):
        return
    if sub.path.stat().st_size == 0:
        raw.problems.append(_problem(display, "file_empty", f"{display} is empty (0 bytes): it needs its sheets"))
        return
    try:
        book = CalamineWorkbook.from_path(str(sub.path))
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises several private types for damaged files
        raw.problems.append(
            _problem(display, "file_unreadable", f"{display} cannot be opened as an .xlsx workbook: {exc}")
        )
        return
    by_key = {name.strip().lower(): name for name in names}
    for table, schema in schemas.items():
        sheet_name = by_key.get(table)
        label = f"{display}[{table}]"
        if sheet_name is None:
            if not schema.optional_table:
                raw.problems.append(
                    _problem(
                        display,
                        "sheet_missing",
                        f"{display} has no sheet named {table!r} (sheets: {', '.join(names) or 'none'})",
                    )
                )
            continue
        raw.found.add(table)
        if sheet_name != table:
            raw.notices.append(Notice(label, None, 1, f"sheet {sheet_name!r} read as {table!r}"))
        try:
            rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as exc:
            raw.problems.append(_problem(label, "file_unreadable", f"sheet {sheet_name!r} cannot be read: {exc}"))
            continue
        texts = [[_cell_text(v) for v in row] for row in rows]
        numbered = [(i + 1, r) for i, r in enumerate(texts) if any(c.strip() for c in r)]
        if not numbered:
            raw.problems.append(
                _problem(label, "file_empty", f"sheet {table!r} is empty: it needs a header row and data rows")
            )
            continue
        header_row, header_cells = numbered[0]
        while header_cells and not header_cells[-1].strip():
            header_cells = header_cells[:-1]
        header = [_header_key(h) for h in header_cells]
        duplicated = sorted({h for h in header if header.count(h) > 1})
        if duplicated or "" in header:
            for name in duplicated:
                raw.problems.append(
                    _problem(
                        label,
                        "column_duplicated",
                        f"column {name!r} appears more than once in the header",
                        row=header_row,
                        column=name,
                    )
                )
            if "" in header:
                raw.problems.append(
                    _problem(label, "column_unnamed", "the header has an empty column name", row=header_row)
                )
            continue
        width = len(header)
        body = numbered[1:]
        overflow = [(n, r) for n, r in body if any(c.strip() for c in r[width:])]
        for number, _ in overflow[:MAX_LISTED]:
            raw.problems.append(
                _problem(
                    label, "row_field_count", f"row {number} has values beyond the header's {width} columns", row=number
                )
            )
        if len(overflow) > MAX_LISTED:
            rest = len(overflow) - MAX_LISTED
            more = _problem(label, "row_field_count", f"{rest} more rows have values beyond the header's columns")
            raw.problems.append(replace(more, count=rest))
        if overflow:
            continue
        frame = pd.DataFrame([(r + [""] * width)[:width] for _, r in body], columns=header, dtype="str")
        if frame.empty:
            frame = pd.DataFrame({h: pd.Series([], dtype="str") for h in header})
        frame.insert(0, ROW_COLUMN, [n for n, _ in body])
        raw.tables[table] = frame
        raw.files[table] = label


def read_submission(sub: Submission, only: Iterable[str] | None = None) -> RawSubmission:
    """Read a submission's tables as text and check its structure (`only`: just these tables)."""
    schemas = load_record_schemas()
    if only is not None:
        wanted = set(only)
        schemas = {table: schema for table, schema in schemas.items() if table in wanted}
    raw = RawSubmission(sub)
    if sub.format == "unknown":
        raw.problems.append(
            _problem(
                sub.name,
                "submission_format",
                f"{sub.name} is not a submission: drop a folder of CSV files or one .xlsx workbook",
            )
        )
        return raw
    if sub.format == "xlsx":
        _read_workbook(sub, schemas, raw)
    else:
        present: dict[str, list[Path]] = {}
        for p in sorted(sub.path.iterdir()):
            if p.is_file():
                present.setdefault(p.name.lower(), []).append(p)
        for table, schema in schemas.items():
            paths = present.get(schema.file, [])
            contract = f"{sub.name}/{schema.file}"  # a file that is not there (or not one) by its contract name
            if not paths:
                if not schema.optional_table:
                    raw.problems.append(_problem(contract, "file_missing", f"{sub.name} has no {schema.file}"))
                continue
            raw.found.add(table)
            if len(paths) > 1:  # names differing only in case: which is meant cannot be told
                names = ", ".join(p.name for p in paths)
                raw.problems.append(
                    _problem(
                        contract,
                        "file_ambiguous",
                        f"{sub.name} has {len(paths)} files that read as {schema.file} ({names}): keep one",
                    )
                )
                continue
            (path,) = paths
            display = f"{sub.name}/{path.name}"  # problems name the file as it is on disk
            if path.name != schema.file:
                raw.notices.append(Notice(display, None, 1, f"file {path.name!r} read as {schema.file!r}"))
            frame = _read_csv(path, display, raw)
            if frame is not None:
                raw.tables[table] = frame
                raw.files[table] = display
    for table, frame in list(raw.tables.items()):
        _check_columns(raw, table, frame, schemas[table])
    raw.unread = unread_columns(raw, schemas)
    for table, frame in raw.tables.items():
        raw.tables[table] = _normalise(raw, table, frame, schemas[table])
    return raw


def unread_columns(raw: RawSubmission, schemas: dict[str, RecordSchema]) -> frozenset[str]:
    """The contract columns a structural problem kept from being read, as "table.column": every column of
    a table that is required (or whose file is there) but could not be read or has too few rows, and each
    required column missing from a header. A legitimately absent optional table or column is not unread."""
    out = set()
    for table, schema in schemas.items():
        frame = raw.tables.get(table)
        if frame is None:
            unread = schema.columns if table in raw.found or not schema.optional_table else []
        elif len(frame) < (schema.min_rows or 0):
            unread = schema.columns
        else:
            unread = [name for name in schema.required_columns if name not in frame.columns]
        out.update(f"{table}.{name}" for name in unread)
    return frozenset(out)


def _check_columns(raw: RawSubmission, table: str, frame: pd.DataFrame, schema: RecordSchema) -> None:
    file = raw.files[table]
    present = set(frame.columns) - {ROW_COLUMN}
    for name in schema.required_columns:
        if name not in present:
            raw.problems.append(
                _problem(file, "column_missing", f"required column {name!r} is missing", row=1, column=name)
            )
    for name in sorted(present - set(schema.columns)):
        raw.warnings.append(
            _problem(
                file,
                "column_unexpected",
                f"column {name!r} is not part of the {table} contract and is ignored",
                row=1,
                column=name,
            )
        )
    n = len(frame)
    if schema.min_rows is not None and n < schema.min_rows:
        raw.problems.append(
            _problem(file, "rows_too_few", f"{file} has {n} data rows; at least {schema.min_rows} needed")
        )
    if schema.max_rows is not None and n > schema.max_rows:
        raw.problems.append(
            _problem(file, "rows_too_many", f"{file} has {n} data rows; at most {schema.max_rows} allowed")
        )


_SEPARATORS = re.compile(r"[\s\-]+")


def _code_map(spec: ColumnSpec, values: list[str]) -> dict[str, str]:
    """Map each distinct raw value of a code column to its normal form, where one exists."""
    mapping = {}
    allowed = set(spec.enum) if spec.enum else None
    for value in values:
        key = value.strip().lower()
        key = spec.aliases.get(key, key)
        if allowed is not None and key not in allowed:
            joined = _SEPARATORS.sub("_", key)
            key = spec.aliases.get(joined, joined)
            if key not in allowed:
                continue  # leave it as given; the gate reports it with its row
        if key != value:
            mapping[value] = key
    return mapping


def _normalise(raw: RawSubmission, table: str, frame: pd.DataFrame, schema: RecordSchema) -> pd.DataFrame:
    """The contract's columns in order (a missing optional column as blanks), codes in their normal form
    and other text without surrounding whitespace; each change is counted as a notice.

    The checks run in Arrow on the columns as read (no copy); only a column that changes is rewritten.
    """
    file = raw.files[table]
    columns = {ROW_COLUMN: frame[ROW_COLUMN]}
    for name, spec in schema.columns.items():
        if name not in frame.columns:
            columns[name] = pd.Series("", index=frame.index, dtype="str")
            continue
        column = columns[name] = frame[name]
        values = pa.array(column)
        if spec.code:
            mapping = _code_map(spec, pc.unique(values).to_pylist())
            if mapping:
                changed = int(column.isin(mapping.keys()).sum())
                columns[name] = column.replace(mapping)
                example = next(iter(mapping.items()))
                raw.notices.append(
                    Notice(file, name, changed, f"{changed} values normalised (e.g. {example[0]!r} -> {example[1]!r})")
                )
        else:
            changed = pc.sum(pc.not_equal(pc.utf8_trim_whitespace(values), values)).as_py() or 0
            if changed:
                columns[name] = column.str.strip()
                raw.notices.append(Notice(file, name, changed, f"{changed} values had surrounding whitespace removed"))
    return pd.DataFrame(columns, copy=False)


__all__ = [
    "TABLES",
    "ROW_COLUMN",
    "HashCache",
    "Submission",
    "has_submissions",
    "RawSubmission",
    "Notice",
    "discover",
    "read_submission",
]
