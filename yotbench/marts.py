"""Build the analyst database DIR/marts/yotbench.duckdb from the landed Parquet.

The SQL lives in sql/: staging (one view per landed table), intermediate (joins and
reshapes, case level) and marts (what analysts query). Each .sql file is one SELECT
and has a sidecar .yml with its grain, columns and invariants; this module creates
the objects, checks the invariants and swaps the finished file into place.

Case-level data (anything derived from case_ref) lives only in TEMP views and tables
of the build connection; only the `marts` schema is written to the file. The landed
store is read through a cache (DIR/.tmp/store.duckdb: the current Parquet as four
DuckDB tables, updated with what changed since the last build; case level like the
Parquet it copies, never published, safe to delete).

The build is split so another step can add tables before publishing:

    tmp = build_marts(config, run_id)      # finished, checked, not yet visible
    ...                                    # e.g. write marts.significance into tmp
    publish_marts(tmp, config)             # os.replace into DIR/marts/yotbench.duckdb
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from yotbench.atomic import atomic_file
from yotbench.config import PACKAGE_DIR, SCHEMAS_DIR, SQL_DIR, RunConfig, hash_files
from yotbench.errors import YotbenchError
from yotbench.faults import checkpoint
from yotbench.frameworks import Framework, load_frameworks
from yotbench.landing import ARROW_SCHEMAS
from yotbench.store import STORE_TABLES, current_paths, current_submissions

log = logging.getLogger(__name__)

LAYERS = ("staging", "intermediate", "marts")
CASE_LEVEL_LAYERS = ("staging", "intermediate")
MARTS_SCHEMA = "marts"
# Files written by DuckDB 1.4 and later can be opened by analysts still on 1.4 LTS.
STORAGE_COMPATIBILITY = "v1.4.0"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_MODEL_REF = re.compile(r"\b((?:stg|int)_[a-z0-9_]+)\b")
_MART_REF = re.compile(r"\bmarts\.([a-z_][a-z0-9_]*)\b")
_COMMENT = re.compile(r"--[^\n]*")


class MartBuildError(YotbenchError):
    """A SQL model could not be created; the message names the file."""


class MartInvariantFailed(MartBuildError):
    """An invariant query returned rows: the build is abandoned, the published file untouched."""

    def __init__(self, model: str, invariant: str, description: str, rows: int, example: dict | None):
        self.model, self.invariant, self.rows, self.example = model, invariant, rows, example
        first = f"; first: {example}" if example else ""
        super().__init__(
            f"MartInvariantFailed: {model}: {invariant} returned {rows} row(s), expected none ({description}){first}"
        )


# ------------------------------------------------------------------ models (sql + sidecar)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Invariant(_Strict):
    name: str = Field(pattern=_IDENTIFIER.pattern)
    description: str
    sql: str


class Example(_Strict):
    title: str
    sql: str


class Sidecar(_Strict):
    description: str
    # external: a table another step writes into the build (e.g. marts.significance from
    # yotbench.gaps); it has a sidecar but no .sql, and is checked when it is published.
    materialized: Literal["view", "table", "table_macro", "scalar_macro", "external"] = "view"
    grain: list[str] = []
    grain_text: str = ""
    parameters: list[str] = []
    columns: dict[str, str] = {}
    invariants: list[Invariant] = []
    examples: list[Example] = []
    # Each inspection's rows are a function of that inspection's landed data alone (and of the
    # frameworks), and so is every invariant: an incremental build recomputes and checks only the
    # rows of the inspections that changed (docs/marts.md, "Maintaining the models").
    per_inspection: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Sidecar:
        if self.per_inspection and "inspection_id" not in self.grain:
            raise ValueError("a per_inspection model has inspection_id in its grain")
        for name in [*self.grain, *self.parameters, *self.columns]:
            if not _IDENTIFIER.match(name):
                raise ValueError(f"{name!r} is not a plain lower-case identifier")
        missing = [g for g in self.grain if g not in self.columns]
        if missing:
            raise ValueError(f"grain column(s) {missing} are not listed in columns")
        if self.materialized.endswith("macro") and not self.parameters:
            raise ValueError("a macro needs parameters")
        if self.materialized != "scalar_macro" and not self.columns:
            raise ValueError("columns are required")
        return self


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sidecar: Sidecar
    sql: str
    depends_on: frozenset[str]
    path: Path

    @property
    def relation(self) -> str:
        """How SQL names this object: marts.<name> for marts, the bare (temp) name otherwise."""
        return f"{MARTS_SCHEMA}.{self.name}" if self.layer == "marts" else self.name

    @property
    def is_macro(self) -> bool:
        return self.sidecar.materialized.endswith("macro")


def _read_model(path: Path, layer: str) -> Model:
    name = path.stem
    if not _IDENTIFIER.match(name):
        raise MartBuildError(f"{path}: model names are lower-case identifiers")
    sidecar_path = path.with_suffix(".yml")
    try:
        data = yaml.safe_load(sidecar_path.read_text(encoding="utf-8"))
        sidecar = Sidecar.model_validate(data)
    except FileNotFoundError:
        raise MartBuildError(f"{path}: no sidecar {sidecar_path.name}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise MartBuildError(f"{sidecar_path}: invalid sidecar: {exc}") from None
    if layer != "marts" and sidecar.materialized not in ("view", "table"):
        raise MartBuildError(f"{sidecar_path}: {layer} models are views or tables")
    if (sidecar.materialized == "external") == path.exists():
        raise MartBuildError(f"{sidecar_path}: a sidecar has a .sql file unless it is materialized: external")
    if sidecar.materialized == "external":
        return Model(name, layer, sidecar, "", frozenset(), path)
    sql = path.read_text(encoding="utf-8").strip().rstrip(";")
    return Model(name, layer, sidecar, sql, _refs(sql), path)


def _refs(sql: str) -> frozenset[str]:
    """The models a piece of SQL reads: stg_/int_ names and marts.<name>."""
    code = _COMMENT.sub("", sql.lower())
    return frozenset(_MODEL_REF.findall(code)) | {f"marts.{m}" for m in _MART_REF.findall(code)}


@cache
def load_models(sql_dir: Path = SQL_DIR) -> tuple[Model, ...]:
    """Every model under sql/, in an order where each comes after what it reads."""
    models: dict[str, Model] = {}
    for layer in LAYERS:
        paths = sorted(
            {p.with_suffix(".sql") for p in (sql_dir / layer).glob("*.yml")} | set((sql_dir / layer).glob("*.sql"))
        )
        for path in paths:
            model = _read_model(path, layer)
            key = model.relation
            if key in models:
                raise MartBuildError(f"{path}: model {key} is defined twice")
            models[key] = model
    ordered: list[Model] = []
    state: dict[str, str] = {}

    def visit(key: str, trail: tuple[str, ...]) -> None:
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            raise MartBuildError(f"models depend on each other in a cycle: {' -> '.join((*trail, key))}")
        state[key] = "visiting"
        model = models[key]
        for dep in sorted(model.depends_on):
            if dep in models and dep != key:
                visit(dep, (*trail, key))
        state[key] = "done"
        ordered.append(model)

    for key in models:
        visit(key, ())
    _check_per_inspection(ordered)
    return tuple(ordered)


def _check_per_inspection(ordered: list[Model]) -> None:
    """What an incremental build relies on, checked when the models are read.

    A per_inspection model reads only per_inspection models and models that no inspection's data
    reaches (the frameworks' marts); what pools inspections never reads a per_inspection case-level
    table, in its SQL or its invariants, since an incremental build holds those for the changed
    inspections only. Staging models read the landed store, so every model is reached through them."""
    by_relation = {m.relation: m for m in ordered}
    reached: set[str] = set()  # models that read inspections' data, directly or not
    # case-level relations an incremental build holds for the changed inspections only: the
    # per_inspection tables, and the per_inspection views over them
    partial: set[str] = set()
    for model in ordered:  # dependency order: what a model reads is classed before it
        if model.layer == "staging" or any(d in reached for d in model.depends_on):
            reached.add(model.relation)
        case_level = model.layer != "marts" and model.sidecar.per_inspection
        if case_level and (model.sidecar.materialized == "table" or any(d in partial for d in model.depends_on)):
            partial.add(model.relation)
    for model in ordered:
        where = model.path.with_suffix(".yml")
        reads = set(model.depends_on).union(*(_refs(inv.sql) for inv in model.sidecar.invariants)) - {model.relation}
        if model.sidecar.per_inspection:
            pooled = sorted(r for r in reads if r in reached and not by_relation[r].sidecar.per_inspection)
            if pooled:
                raise MartBuildError(
                    f"{where}: per_inspection, but reads {', '.join(pooled)}, which pool(s) inspections"
                )
            continue
        held = sorted(r for r in reads if r in partial)
        if held:
            raise MartBuildError(
                f"{where}: pools inspections but reads {', '.join(held)}, which an incremental build "
                "holds for the changed inspections only (a per_inspection case-level table, or a view over one)"
            )


def _models(layers: Iterable[str], sql_dir: Path = SQL_DIR) -> list[Model]:
    wanted = set(layers)
    return [m for m in load_models(sql_dir) if m.layer in wanted]


# ------------------------------------------------------------------ sources


def _check_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain identifier")
    return name


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Create (or replace) TEMP table `name` holding `table`."""
    _check_identifier(name)
    view = f"_incoming_{name}"
    con.register(view, table)
    try:
        con.execute(f"create or replace temp table {name} as select * from {view}")
    finally:
        con.unregister(view)


def register_store(
    con: duckdb.DuckDBPyConnection,
    files: Mapping[str, Sequence[str | Path]],
    cache_path: Path | None = None,
    keep_attached: bool = False,
) -> None:
    """The current landed Parquet as src_inspections, src_cases, src_answers, src_ratings (TEMP).

    With `cache_path`, they are copied from a DuckDB copy of the store kept at that path, brought
    up to date with `files` first (see sync_store_cache) and detached again (with keep_attached:
    TEMP views over it, left attached); if the cache cannot be used (another process has it open,
    or it is damaged), the Parquet files are read instead."""
    if cache_path is not None:
        try:
            sync_store_cache(con, files, cache_path)
        except duckdb.Error as exc:
            log.warning("store cache %s not used (%s); reading the Parquet files", cache_path, exc)
            _detach_cache(con)
        else:
            kind = "view" if keep_attached else "table"
            try:
                for table in STORE_TABLES:
                    columns = ", ".join(ARROW_SCHEMAS[table].names)
                    con.execute(
                        f"create or replace temp {kind} src_{table} as select {columns} from {CACHE_ALIAS}.{table}"
                    )
            finally:
                if not keep_attached:
                    _detach_cache(con)
            return
    for table in STORE_TABLES:
        name = _check_identifier(f"src_{table}")
        paths = [str(p) for p in files.get(table, [])]
        if paths:
            with _unordered(con):
                con.execute(
                    f"create or replace temp table {name} as select * from read_parquet($files)",
                    {"files": paths},
                )
        else:
            _temp_table(con, name, ARROW_SCHEMAS[table].empty_table())


@contextmanager
def _unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Read without keeping the files' row order. In order, DuckDB buffers what its threads read ahead
    until the earlier files are done: reading the 50,000 answers files of scale 1000 into the store
    ran out of its 1 GB limit; unordered it took 45 s and 1.3 GB of RSS. No model depends on row order."""
    (before,) = con.execute("select current_setting('preserve_insertion_order')").fetchone()
    con.execute("set preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"set preserve_insertion_order = {str(bool(before)).lower()}")


# The store cache: the current landed tables in one DuckDB file, so a build reads a few compressed
# tables instead of four Parquet files per inspection, and reads only what changed since the last.
CACHE_ALIAS = "store_cache"
CACHE_LAYOUT = "1"  # change when the cache's tables change shape


def store_cache_path(config: RunConfig) -> Path:
    """Where the store cache lives: scratch space beside the data (case level, never published; safe to delete)."""
    return config.tmp_dir / "store.duckdb"


def _cache_fingerprint() -> str:
    return CACHE_LAYOUT + ";" + ";".join(f"{t}:{ARROW_SCHEMAS[t]}" for t in STORE_TABLES)


def _detach_cache(con: duckdb.DuckDBPyConnection) -> None:
    attached = con.execute(
        "select count(*) from duckdb_databases() where database_name = $name", {"name": CACHE_ALIAS}
    ).fetchall()
    if attached[0][0]:
        con.execute(f"detach {CACHE_ALIAS}")


def sync_store_cache(
    con: duckdb.DuckDBPyConnection, files: Mapping[str, Sequence[str | Path]], cache: Path
) -> dict[str, int]:
    """Attach the cache to `con` as store_cache and make its tables hold exactly `files`.

    Each row keeps the Parquet file it came from (_file); files.path/size/mtime say which files
    the cache holds. Rows of files no longer current are deleted and new files are read, in one
    transaction, so a killed run leaves the cache as it was. Returns the files added and removed."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"attach '{_quoted_path(cache)}' as {CACHE_ALIAS}")
    try:
        return _sync(con, files)
    except BaseException:
        _detach_cache(con)
        raise


def _quoted_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _sync(con: duckdb.DuckDBPyConnection, files: Mapping[str, Sequence[str | Path]]) -> dict[str, int]:
    db = CACHE_ALIAS
    con.execute(f"create table if not exists {db}.meta (key varchar primary key, value varchar)")
    layout = con.execute(f"select value from {db}.meta where key = 'layout'").fetchall()
    if layout != [(_cache_fingerprint(),)]:
        # (Re)create the tables; the layout is recorded last, so an interrupted start is redone.
        con.execute(f"delete from {db}.meta")
        for table in (*STORE_TABLES, "files"):
            con.execute(f"drop table if exists {db}.{table}")
        con.execute(f"create table {db}.files (table_name varchar, path varchar, size bigint, mtime double)")
        for table in STORE_TABLES:
            con.register("_cache_shape", ARROW_SCHEMAS[table].empty_table())
            try:
                con.execute(f"create table {db}.{table} as select *, cast(null as varchar) as _file from _cache_shape")
            finally:
                con.unregister("_cache_shape")
        con.execute(f"insert into {db}.meta values ('layout', $layout)", {"layout": _cache_fingerprint()})
    wanted = set()
    for table in STORE_TABLES:
        for path in files.get(table, []):
            stat = os.stat(path)
            wanted.add((table, str(path), stat.st_size, stat.st_mtime))
    held = set(con.execute(f"select table_name, path, size, mtime from {db}.files").fetchall())
    gone, new = held - wanted, wanted - held
    if not gone and not new:
        return {"added": 0, "removed": 0}
    con.execute("begin")
    try:
        for table in STORE_TABLES:
            old_paths = sorted(path for t, path, *_ in gone if t == table)
            if old_paths:
                con.execute(f"delete from {db}.{table} where _file in (select unnest($paths))", {"paths": old_paths})
            new_paths = sorted(path for t, path, *_ in new if t == table)
            if new_paths:
                columns = ", ".join(ARROW_SCHEMAS[table].names)
                with _unordered(con):
                    con.execute(
                        f"insert into {db}.{table} select {columns}, filename from read_parquet($paths, filename = true)",
                        {"paths": new_paths},
                    )
        if gone:
            con.execute(
                f"delete from {db}.files where path in (select unnest($paths))",
                {"paths": sorted(path for _, path, *_ in gone)},
            )
        if new:
            tables, paths, sizes, mtimes = (list(column) for column in zip(*sorted(new), strict=True))
            con.execute(
                f"insert into {db}.files select unnest($tables), unnest($paths), unnest($sizes), unnest($mtimes)",
                {"tables": tables, "paths": paths, "sizes": sizes, "mtimes": mtimes},
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return {"added": len(new), "removed": len(gone)}


def register_landed_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Given tables shaped as landed (landing.ARROW_SCHEMAS) as the src_* TEMP tables; for tests."""
    for table in STORE_TABLES:
        given = tables.get(table)
        _temp_table(con, f"src_{table}", given if given is not None else ARROW_SCHEMAS[table].empty_table())


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


_PCT = pa.decimal128(7, 3)
FRAMEWORK_SCHEMAS = {
    "fw_frameworks": pa.schema(
        [
            ("framework", pa.string()),
            ("framework_name", pa.string()),
            ("source", pa.string()),
            ("in_use_from", pa.date32()),
            ("in_use_to", pa.date32()),
            ("rated", pa.bool_()),
            ("max_score", pa.int32()),
        ]
    ),
    "fw_standards": pa.schema(
        [
            ("framework", pa.string()),
            ("domain_id", pa.string()),
            ("domain_name", pa.string()),
            ("standard_id", pa.string()),
            ("standard_name", pa.string()),
            ("rated_by", pa.string()),
            ("scored", pa.bool_()),
            ("case_types", pa.list_(pa.string())),
            ("standard_order", pa.int32()),
        ]
    ),
    "fw_questions": pa.schema(
        [
            ("framework", pa.string()),
            ("domain_id", pa.string()),
            ("standard_id", pa.string()),
            ("question_id", pa.string()),
            ("parent_id", pa.string()),
            ("level", pa.string()),
            ("question_text", pa.string()),
            ("area", pa.string()),
            ("headline", pa.string()),
            ("na_allowed", pa.bool_()),
            ("question_order", pa.int32()),
        ]
    ),
    "fw_areas": pa.schema(
        [
            ("framework", pa.string()),
            ("area", pa.string()),
            ("area_name", pa.string()),
            ("area_order", pa.int32()),
        ]
    ),
    "fw_headlines": pa.schema(
        [
            ("framework", pa.string()),
            ("headline", pa.string()),
            ("headline_name", pa.string()),
            ("headline_description", pa.string()),
            ("headline_order", pa.int32()),
        ]
    ),
    "fw_question_bands": pa.schema(
        [
            ("framework", pa.string()),
            ("rating", pa.string()),
            ("band_label", pa.string()),
            ("min_pct", _PCT),
            ("score", pa.int32()),
            ("band_order", pa.int32()),
        ]
    ),
    "fw_overall_bands": pa.schema(
        [
            ("framework", pa.string()),
            ("rating", pa.string()),
            ("min_score", pa.int32()),
            ("max_score", pa.int32()),
        ]
    ),
    "fw_discretion": pa.schema(
        [
            ("framework", pa.string()),
            ("window_pp", _PCT),
            ("one_case_changes_rating", pa.bool_()),
            ("max_cases", pa.int32()),
        ]
    ),
    "fw_comment_bands": pa.schema(
        [
            ("framework", pa.string()),
            ("min_pct", _PCT),
            ("comment", pa.string()),
            ("band_order", pa.int32()),
        ]
    ),
}


def framework_tables(frameworks: Iterable[Framework]) -> dict[str, pa.Table]:
    """Framework metadata and rating rules as tables, so SQL reads rules as data."""
    rows: dict[str, list[dict]] = {name: [] for name in FRAMEWORK_SCHEMAS}
    for fw in frameworks:
        rating = fw.rating
        scored = [s for s in fw.standards if s.rated_by != "none"] if rating else []
        top = max((b.score for b in rating.question_bands), default=0) if rating else 0
        rows["fw_frameworks"].append(
            {
                "framework": fw.id,
                "framework_name": fw.name,
                "source": fw.source,
                "in_use_from": fw.in_use.from_ if fw.in_use else None,
                "in_use_to": fw.in_use.to if fw.in_use else None,
                "rated": rating is not None,
                "max_score": top * len(scored) if rating else None,
            }
        )
        order = 0
        for domain in fw.domains:
            for standard in domain.standards:
                order += 1
                rows["fw_standards"].append(
                    {
                        "framework": fw.id,
                        "domain_id": domain.id,
                        "domain_name": domain.name,
                        "standard_id": standard.id,
                        "standard_name": standard.name,
                        "rated_by": standard.rated_by,
                        "scored": standard in scored,
                        "case_types": list(domain.case_types),
                        "standard_order": order,
                    }
                )
        for q in fw.questions():
            rows["fw_questions"].append(
                {
                    "framework": fw.id,
                    "domain_id": q.domain_id,
                    "standard_id": q.standard_id,
                    "question_id": q.question_id,
                    "parent_id": q.parent_id,
                    "level": q.level,
                    "question_text": q.text,
                    "area": q.area,
                    "headline": q.headline,
                    "na_allowed": q.na_allowed,
                    "question_order": q.order,
                }
            )
        for i, area in enumerate(fw.areas, 1):
            rows["fw_areas"].append({"framework": fw.id, "area": area.id, "area_name": area.name, "area_order": i})
        for i, h in enumerate(fw.headlines, 1):
            rows["fw_headlines"].append(
                {
                    "framework": fw.id,
                    "headline": h.id,
                    "headline_name": h.name,
                    "headline_description": h.description,
                    "headline_order": i,
                }
            )
        for i, band in enumerate(fw.comment_bands):
            rows["fw_comment_bands"].append(
                {
                    "framework": fw.id,
                    "min_pct": _decimal(band.min_pct),
                    "comment": band.comment,
                    "band_order": i,
                }
            )
        if rating is None:
            continue
        for i, band in enumerate(rating.question_bands):
            rows["fw_question_bands"].append(
                {
                    "framework": fw.id,
                    "rating": band.rating,
                    "band_label": band.label,
                    "min_pct": _decimal(band.min_pct),
                    "score": band.score,
                    "band_order": i,
                }
            )
        for band in rating.overall_bands:
            rows["fw_overall_bands"].append(
                {
                    "framework": fw.id,
                    "rating": band.rating,
                    "min_score": band.min_score,
                    "max_score": band.max_score,
                }
            )
        if rating.discretion is not None:
            d = rating.discretion
            rows["fw_discretion"].append(
                {
                    "framework": fw.id,
                    "window_pp": _decimal(d.window_pp),
                    "one_case_changes_rating": d.one_case_changes_rating,
                    "max_cases": d.max_cases,
                }
            )
    return {name: pa.Table.from_pylist(rows[name], schema=schema) for name, schema in FRAMEWORK_SCHEMAS.items()}


def register_frameworks(con: duckdb.DuckDBPyConnection, frameworks: Iterable[Framework] | None = None) -> None:
    """Framework metadata as the fw_* TEMP tables (every framework file unless given)."""
    chosen = list(frameworks) if frameworks is not None else list(load_frameworks().values())
    for name, table in framework_tables(chosen).items():
        _temp_table(con, name, table)


# ------------------------------------------------------------------ running models


def create_models(
    con: duckdb.DuckDBPyConnection,
    layers: Iterable[str],
    only: Iterable[str] | None = None,
    inspections: list[str] | None = None,
) -> None:
    """Create the models of the given layers, in dependency order (with `only`: those models and what they read).

    With `inspections` (an incremental build, on a copy of the published file): a per_inspection mart
    table has those inspections' rows deleted and recomputed, and a per_inspection case-level table
    holds those inspections only; everything else is created whole, as in a full build."""
    chosen = _models(layers)
    if only is not None:
        by_relation = {m.relation: m for m in chosen}
        wanted: set[str] = set()
        todo = list(only)
        while todo:
            relation = todo.pop()
            if relation in by_relation and relation not in wanted:
                wanted.add(relation)
                todo.extend(by_relation[relation].depends_on)
        chosen = [m for m in chosen if m.relation in wanted]
    if any(m.layer == "marts" for m in chosen):
        con.execute(f"create schema if not exists {MARTS_SCHEMA}")
    # an incremental build reads what a per_inspection model reads through views of the changed
    # inspections' rows: a filter on the model's output alone does not reach every scan (an outer
    # join's other side is grouped whole: int_question_counts read all the answers at scale 1000)
    changed = _changed_names(_models(LAYERS)) if inspections is not None else {}
    for model in chosen:
        side = model.sidecar
        if side.materialized == "external":
            continue
        if inspections is not None and side.per_inspection and side.materialized == "table":
            _recompute(con, model, inspections, changed)  # leaves changed[model.relation] in place
        else:
            _create(con, model)
            if model.relation in changed:
                _create_changed_view(con, model.relation, changed[model.relation], inspections)


def _create(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """Create a model whole, as its sidecar's materialization says."""
    side = model.sidecar
    if model.layer == "marts":
        params = ", ".join(side.parameters)
        statement = {
            "table": f"create or replace table {model.relation} as {model.sql}",
            "view": f"create or replace view {model.relation} as {model.sql}",
            "table_macro": f"create or replace macro {model.relation}({params}) as table {model.sql}",
            "scalar_macro": f"create or replace macro {model.relation}({params}) as ({model.sql})",
        }[side.materialized]
    else:
        kind = "table" if side.materialized == "table" else "view"
        statement = f"create or replace temp {kind} {model.name} as {model.sql}"
    try:
        con.execute(statement)
    except duckdb.Error as exc:
        raise MartBuildError(f"sql/{model.layer}/{model.name}.sql: {exc}") from None


def _inspection_list(inspections: list[str]) -> str:
    """`inspections` as an SQL list of literals (a constant list lets DuckDB push the filter into its scans)."""
    return "(" + ", ".join("'" + i.replace("'", "''") + "'" for i in inspections) + ")" if inspections else "(null)"


def _recompute(con: duckdb.DuckDBPyConnection, model: Model, inspections: list[str], changed: dict[str, str]) -> None:
    """The rows of `inspections` in a per_inspection table, recomputed (the others are kept as they are).

    `changed` maps each per_inspection relation to its view of those inspections' rows
    (_changed_names), which the model's SQL reads instead, and which this leaves in place for the
    model itself. A mart's recomputed rows are kept in a TEMP table of that name, which its
    invariants and the models after it read instead of picking them out of the whole table again
    (its rows are not stored by inspection, so a filter on inspection_id scans them all: 93 million
    rows of inspection_characteristic_results at scale 1000)."""
    ids = _inspection_list(inspections)
    # the SQL may end in a line comment: the parenthesis goes on a line of its own
    subset = f"select * from ({_renamed(model.sql, changed)}\n) as model where model.inspection_id in {ids}"
    if model.layer == "marts":
        rows = changed[model.relation]
        statements = [
            f"create or replace temp table {rows} as {subset}",
            f"delete from {model.relation} where inspection_id in {ids}",
            f"insert into {model.relation} select * from {rows}",
        ]
    else:
        statements = [f"create or replace temp table {model.name} as {subset}"]
    try:
        for statement in statements:
            con.execute(statement)
    except duckdb.Error as exc:
        raise MartBuildError(f"sql/{model.layer}/{model.name}.sql: {exc}") from None
    if model.layer != "marts":
        _create_changed_view(con, model.relation, changed[model.relation], inspections)


def open_case_level(
    con: duckdb.DuckDBPyConnection,
    config: RunConfig,
    *,
    keep_attached: bool = False,
    only: Iterable[str] | None = None,
    inspections: list[str] | None = None,
) -> None:
    """Register the current store and the frameworks on `con`, then the staging and intermediate
    models as TEMP views/tables (int_answers_enriched among them). Nothing is written to `con`'s
    file; the store is read through the store cache (store_cache_path), updated first if need be.

    The pipeline's own builds pass keep_attached (the src_* tables become views over the cache, whose
    pages DuckDB can evict, instead of copies held in memory; close_case_level detaches it) and `only`
    (just the models a step reads, with what they read); an incremental build passes `inspections`
    (see create_models)."""
    register_store(con, current_paths(config), cache_path=store_cache_path(config), keep_attached=keep_attached)
    register_frameworks(con)
    create_models(con, CASE_LEVEL_LAYERS, only=only, inspections=inspections)


def close_case_level(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the store cache open_case_level(keep_attached=True) left attached (the case-level views then fail)."""
    _detach_cache(con)


def register_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    built_at: datetime | None = None,
    rebuilt: list[str] | None = None,
) -> None:
    """The run's id and time, and what it built, as the TEMP table run_context, read by marts.build_info.

    `rebuilt`: the inspections an incremental build recomputed (None for a full build)."""
    stamp = (built_at or datetime.now(UTC)).replace(microsecond=0)
    table = pa.table(
        {
            "run_id": [run_id],
            "built_at": [stamp],
            "build_kind": ["full" if rebuilt is None else "incremental"],
            "inspections_rebuilt": [None if rebuilt is None else len(rebuilt)],
            "code_fingerprint": [code_fingerprint()],
        },
        schema=pa.schema(
            [
                ("run_id", pa.string()),
                ("built_at", pa.timestamp("s", tz="UTC")),
                ("build_kind", pa.string()),
                ("inspections_rebuilt", pa.int64()),
                ("code_fingerprint", pa.string()),
            ]
        ),
    )
    _temp_table(con, "run_context", table)


@cache
def code_fingerprint(sql_dir: Path = SQL_DIR, schemas_dir: Path = SCHEMAS_DIR, package_dir: Path = PACKAGE_DIR) -> str:
    """What every mart is a function of besides the landed store: DuckDB's version, the SQL, the
    frameworks and rules under schemas/, and yotbench's own Python (which turns the frameworks into
    tables, among much else; its version string is not bumped with every change). A published file
    is reused only under the same."""
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}\0".encode())
    for root, pattern in ((sql_dir, "*"), (schemas_dir, "*"), (package_dir, "*.py")):
        hash_files(digest, root, pattern, prefix=f"{root.name}/")
    return digest.hexdigest()[:16]


# ------------------------------------------------------------------ invariants


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{_check_identifier(n)}"' for n in names)


def model_columns(con: duckdb.DuckDBPyConnection, model: Model) -> list[str]:
    """The columns the built object actually has."""
    if model.sidecar.materialized == "scalar_macro":
        return []
    if model.sidecar.materialized == "table_macro":
        args = ", ".join("null" for _ in model.sidecar.parameters)
        query = f"select * from {model.relation}({args}) limit 0"
    else:
        query = f"select * from {model.relation} limit 0"
    return list(con.sql(query).columns)


def _grain_check(relation: str, grain: list[str]) -> str:
    """The keys that occur more than once in `relation`, each with its count.

    Grouped first by one 64-bit hash of the key, which is cheaper than grouping by the key's columns
    (10 million answers: 0.37 s against 0.68 s); only rows whose hash occurs twice are then grouped by the
    key itself, so a collision of two different keys is never reported. Same rows as the plain GROUP BY."""
    cols = _quoted(grain)
    return (
        f"with repeated as (select hash({cols}) as key_hash from {relation} group by key_hash having count(*) > 1) "
        f"select {cols}, count(*) as n from {relation} semi join repeated on hash({cols}) = repeated.key_hash "
        f"group by {cols} having count(*) > 1"
    )


def invariant_queries(model: Model, renamed: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(name, description, sql) for every invariant of a model, the grain check first.

    `renamed` maps relations to what the queries read instead (an incremental build's views of the
    changed inspections' rows)."""
    side = model.sidecar
    renamed = renamed or {}
    checks = []
    if side.grain and side.materialized in ("view", "table", "external"):
        relation = renamed.get(model.relation, model.relation)
        checks.append(("grain_unique", f"one row per {', '.join(side.grain)}", _grain_check(relation, side.grain)))
    checks += [(inv.name, inv.description, _renamed(inv.sql, renamed)) for inv in side.invariants]
    return checks


_RELATION = re.compile(r"\bmarts\.[a-z_][a-z0-9_]*\b|\b(?:stg|int)_[a-z0-9_]+\b", re.IGNORECASE)


def _renamed(sql: str, renamed: dict[str, str]) -> str:
    if not renamed:
        return sql
    return _RELATION.sub(lambda m: renamed.get(m.group(0).lower(), m.group(0)), sql)


def _changed_names(models: list[Model]) -> dict[str, str]:
    """relation -> the name of its view of the changed inspections' rows, for every per_inspection model."""
    return {
        model.relation: "_changed_" + model.relation.replace(".", "_")
        for model in models
        if model.sidecar.per_inspection and model.sidecar.materialized in ("view", "table")
    }


def _create_changed_view(con: duckdb.DuckDBPyConnection, relation: str, view: str, inspections: list[str]) -> None:
    con.execute(
        f"create or replace temp view {view} as select * from {relation} "
        f"where inspection_id in {_inspection_list(inspections)}"
    )


def _changed_views(con: duckdb.DuckDBPyConnection, models: list[Model], inspections: list[str]) -> dict[str, str]:
    """TEMP views of the changed inspections' rows of every per_inspection model: relation -> view
    (or the TEMP table of a mart's recomputed rows, which _recompute kept)."""
    views = _changed_names(models)
    kept = {name for (name,) in con.execute("select table_name from duckdb_tables() where temporary").fetchall()}
    for relation, view in views.items():
        if view not in kept:
            _create_changed_view(con, relation, view, inspections)
    return views


def _exists(con: duckdb.DuckDBPyConnection, model: Model) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = $schema and table_name = $name",
        {"schema": MARTS_SCHEMA, "name": model.name},
    ).fetchall()
    return found[0][0] > 0


def check_invariants(
    con: duckdb.DuckDBPyConnection,
    layers: Iterable[str] = LAYERS,
    external_only: bool = False,
    sql_dir: Path = SQL_DIR,
    inspections: list[str] | None = None,
) -> int:
    """Run every invariant (and the column contract) of the given layers; raises on the first failure.

    External tables are checked only when present (they are added after the build). With
    `inspections` (an incremental build), a per_inspection model's invariants read only those
    inspections' rows: the others are the published file's, checked when it was built.
    Returns the number of checks run."""
    ran = 0
    models = _models(layers, sql_dir)
    changed = _changed_views(con, models, inspections) if inspections is not None else {}
    for model in models:
        external = model.sidecar.materialized == "external"
        if external_only and not external:
            continue
        if external and not _exists(con, model):
            continue
        if model.sidecar.materialized != "scalar_macro":
            actual = model_columns(con, model)
            declared = list(model.sidecar.columns)
            if actual != declared:
                raise MartInvariantFailed(
                    model.relation,
                    "columns_match_sidecar",
                    "the built columns must equal the sidecar's, in order",
                    1,
                    {"built": actual, "sidecar": declared},
                )
            ran += 1
        for name, description, sql in invariant_queries(model, changed if model.sidecar.per_inspection else None):
            try:
                failing = con.sql(f"select * from ({sql}\n) as failing")
                first = failing.limit(1).fetchall()
                if first:
                    count = con.sql(f"select count(*) from ({sql}\n) as failing").fetchall()[0][0]
                    example = dict(zip(failing.columns, first[0], strict=True))
                    raise MartInvariantFailed(model.relation, name, description, count, example)
            except duckdb.Error as exc:
                raise MartBuildError(f"{model.path.with_suffix('.yml').name}: invariant {name}: {exc}") from None
            ran += 1
    return ran


# ------------------------------------------------------------------ build and publish


def temp_db_path(config: RunConfig, run_id: str) -> Path:
    """Where a run builds its database: beside the published file, hidden, named for the run."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", run_id)
    return config.marts_db.with_name(f".{config.marts_db.name}.{safe}.tmp")


def _remove_db(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    _remove_spill(path)


def _remove_spill(path: Path) -> None:
    """DuckDB spills to <database>.tmp/ when memory runs short; nothing in it outlives the build."""
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


# DuckDB's share of memory in a build; past it, it spills to <database>.tmp/ (removed after the build).
# At scale 100 a rebuild in a fresh process peaks at 1.2 GB with 1GB and 1.6 GB with 2GB, in the same
# time (docs/performance.md).
BUILD_MEMORY_LIMIT = "1GB"


def connect_build(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a database being built (never the published file)."""
    return duckdb.connect(
        str(path),
        config={"storage_compatibility_version": STORAGE_COMPATIBILITY, "memory_limit": BUILD_MEMORY_LIMIT},
    )


# An incremental build redoes at most this share of the inspections (and always at least one); past
# it, building from scratch is as quick and leaves a compact file.
INCREMENTAL_MAX_SHARE = 0.2


def changed_inspections(config: RunConfig) -> list[str] | None:
    """The inspections whose rows differ between the published file and the current store (new,
    re-landed or gone), or None when the published file cannot be reused: there is none, it cannot
    be read, it changed after it was published (stamp_published), it was built by other code
    (code_fingerprint), or too much has changed."""
    if not _untouched_since_published(config):
        return None
    try:
        with duckdb.connect(str(config.marts_db), read_only=True) as con:
            built_by = con.execute("select code_fingerprint from marts.build_info").fetchall()
            published = dict(con.execute("select inspection_id, content_hash from marts.inspections").fetchall())
    except duckdb.Error:  # absent, unreadable, or older than code_fingerprint
        return None
    if built_by != [(code_fingerprint(),)]:
        return None
    current = {s["inspection_id"]: s["content_hash"] for s in current_submissions(config)}
    changed = sorted(i for i in published.keys() | current.keys() if published.get(i) != current.get(i))
    if len(changed) > max(1, INCREMENTAL_MAX_SHARE * len(current)):
        return None
    return changed


def build_marts(config: RunConfig, run_id: str, *, incremental: bool = False) -> Path:
    """Build the whole analyst database into a temporary file beside config.marts_db and check it.

    With `incremental`, when the published file can be reused (changed_inspections), the build starts
    from a copy of it: the per_inspection tables have only the changed inspections' rows recomputed
    and checked, and every other table is rebuilt and checked whole. The result is the same as a full
    build's, row for row (tests/marts/test_incremental.py); marts.build_info says which it was.

    Returns the finished temporary file, not yet published. On any failure the temporary file is
    removed and MartBuildError (or MartInvariantFailed) is raised; the published file is untouched.
    """
    config.marts_dir.mkdir(parents=True, exist_ok=True)
    tmp = temp_db_path(config, run_id)
    _remove_db(tmp)
    rebuilt = changed_inspections(config) if incremental else None
    try:
        if rebuilt is not None:
            shutil.copyfile(config.marts_db, tmp)
        con = connect_build(tmp)
        try:
            if rebuilt is not None:  # as in a full build, later steps add them (marts.significance)
                for model in _models(("marts",)):
                    if model.sidecar.materialized == "external":
                        con.execute(f"drop table if exists {model.relation}")
            open_case_level(con, config, keep_attached=True, inspections=rebuilt)
            register_run(con, run_id, rebuilt=rebuilt)
            create_models(con, ("marts",), inspections=rebuilt)
            checkpoint("marts", config.data_dir)  # tables half-written: the crash tests stop here
            check_invariants(con, inspections=rebuilt)
            close_case_level(con)
            con.execute("checkpoint")
        finally:
            con.close()
    except BaseException:
        _remove_db(tmp)
        raise
    _remove_spill(tmp)
    return tmp


def build_summary(db: Path) -> str:
    """One line on how a marts file was built (marts.build_info)."""
    with duckdb.connect(str(db), read_only=True) as con:
        kind, rebuilt = con.execute("select build_kind, inspections_rebuilt from marts.build_info").fetchall()[0]
    if kind == "full":
        return "marts: full build"
    return f"marts: incremental build, {rebuilt} inspection{'' if rebuilt == 1 else 's'} recomputed in a copy of the published file"


def publish_marts(tmp: Path, config: RunConfig) -> Path:
    """Swap a finished build into place as config.marts_db (atomic; open readers keep their snapshot).

    Tables added after build_marts that have an `external` sidecar (e.g. marts.significance) are
    checked against it first; on failure nothing is published and the build is left for inspection."""
    if not tmp.exists():
        if _published_from(tmp, config):  # a retried publish whose swap had happened: only the stamp is left
            stamp_published(config)
            return config.marts_db
        raise MartBuildError(f"nothing to publish: {tmp} does not exist")
    wal = tmp.with_name(tmp.name + ".wal")
    if wal.exists():
        raise MartBuildError(f"{tmp} still has a write-ahead log: close its connections (CHECKPOINT) first")
    with duckdb.connect(str(tmp), read_only=True) as con:
        check_invariants(con, ("marts",), external_only=True)
    target = config.marts_db
    target.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    stamp_published(config)
    return target


def _published_from(tmp: Path, config: RunConfig) -> bool:
    """Whether the published file is the build `tmp` was: built by the run temp_db_path names it for."""
    run_id = published_run_id(config)
    return run_id is not None and temp_db_path(config, run_id) == tmp


def _stamp_path(config: RunConfig) -> Path:
    """Scratch space beside the store cache, not the published folder (safe to delete: the next build is then full)."""
    return config.tmp_dir / "published-marts.json"


def _file_stamp(path: Path) -> dict:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


def stamp_published(config: RunConfig) -> None:
    """Record the published file's size, time and inode beside it: an incremental build reuses the
    file only while they are unchanged, so a file someone opened read-write and changed (the DuckDB
    CLI opens read-write unless told -readonly) is rebuilt from scratch rather than carried on."""
    with atomic_file(_stamp_path(config)) as tmp:
        tmp.write_text(json.dumps(_file_stamp(config.marts_db)) + "\n", encoding="utf-8")


def _untouched_since_published(config: RunConfig) -> bool:
    try:
        recorded = json.loads(_stamp_path(config).read_text(encoding="utf-8"))
        current = _file_stamp(config.marts_db)
    except (OSError, ValueError):
        return False
    wal = config.marts_db.with_name(config.marts_db.name + ".wal")  # a read-write session's unsaved changes
    return recorded == current and not wal.exists()


def add_significance(tmp: Path, config: RunConfig) -> int:
    """Compute the significance tests from the build's case-level views into marts.significance."""
    from yotbench.gaps import write_significance

    con = connect_build(tmp)
    try:
        open_case_level(con, config, keep_attached=True, only=["int_answers_enriched"])
        rows = write_significance(con, alpha=config.alpha, min_gap_pp=config.min_gap_pp)
        close_case_level(con)
        con.execute("checkpoint")
    finally:
        con.close()
    return rows


def nightly_periods_of(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(framework, period_kind, period_label, period_start, period_end) of each framework's programme to
    date and latest financial year in marts.periods: the periods the nightly briefings and
    marts.significance_by_period cover, programme first within a framework."""
    return con.execute("""
        with ranked as (
            select framework, period_kind, period_label, period_start, period_end,
                   row_number() over (partition by framework, period_kind order by period_start desc) as recency
            from marts.periods
        )
        select framework, period_kind, period_label, period_start, period_end
        from ranked
        where recency = 1
        order by framework, period_kind desc
    """).fetchall()


def published_run_id(config: RunConfig) -> str | None:
    """The run that built the published marts file (marts.build_info), or None if it cannot be read."""
    try:
        with duckdb.connect(str(config.marts_db), read_only=True) as con:
            return con.execute("select run_id from marts.build_info").fetchall()[0][0]
    except (duckdb.Error, IndexError):
        return None


def remove_stale_builds(config: RunConfig) -> int:
    """Delete the temporary databases of builds that were killed before publishing."""
    removed = 0
    for path in config.marts_dir.glob(f".{config.marts_db.name}.*.tmp*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


def discard_build(tmp: Path) -> None:
    """Remove an unpublished build (e.g. when a later step failed)."""
    _remove_db(tmp)
