"""Record schemas: the raw input contract, read from schemas/records/*.json.

Each schema is JSON Schema (draft 2020-12) for one row of one table, with a few
`x-` keywords for what JSON Schema does not say about files: the file name,
row-count bounds, unique keys, which columns are codes (case- and
whitespace-insensitive), and aliases that normalise without losing anything.
Tightening a rule means editing a schema file, not code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from referencing import Registry, Resource

from yotbench.config import RECORDS_DIR

TABLES = ("inspection", "cases", "answers", "ratings")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str  # "string" | "integer"
    required: bool
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    code: bool = False
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    date: bool = False
    known: str | None = None  # "framework" | "question" | "standard"
    not_before: str | None = None
    not_in_future: bool = False  # a date after the day the submission is checked is a typo
    references: str | None = None
    description: str = ""


@dataclass(frozen=True)
class RecordSchema:
    name: str
    file: str
    description: str
    columns: dict[str, ColumnSpec]
    min_rows: int | None
    max_rows: int | None
    unique: tuple[tuple[str, ...], ...]
    optional_table: bool

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.required]

    @property
    def code_columns(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.code]


def _registry(directory: Path) -> Registry:
    resources = []
    for path in sorted(directory.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents.get("$id", path.name), Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def _column(name: str, spec: dict, required: bool, resolver) -> ColumnSpec:
    merged = dict(spec)
    if "$ref" in spec:
        merged = {**resolver.lookup(spec["$ref"]).contents, **{k: v for k, v in spec.items() if k != "$ref"}}
    types = merged.get("type", "string")
    types = [types] if isinstance(types, str) else list(types)
    base = "integer" if "integer" in types else "string"
    return ColumnSpec(
        name=name,
        type=base,
        required=required,
        nullable="null" in types,
        enum=tuple(merged["enum"]) if "enum" in merged else None,
        aliases=dict(merged.get("x-aliases", {})),
        code=bool(merged.get("x-code", False)),
        pattern=merged.get("pattern"),
        min_length=merged.get("minLength"),
        max_length=merged.get("maxLength"),
        minimum=merged.get("minimum"),
        maximum=merged.get("maximum"),
        date=merged.get("format") == "date",
        known=merged.get("x-known"),
        not_before=merged.get("x-not-before"),
        not_in_future=bool(merged.get("x-not-in-future", False)),
        references=merged.get("x-references"),
        description=merged.get("description", ""),
    )


@cache
def load_record_schemas(directory: Path = RECORDS_DIR) -> dict[str, RecordSchema]:
    """Read every table's record schema, with $refs into codes.json resolved."""
    registry = _registry(directory)
    schemas = {}
    for table in TABLES:
        raw = json.loads((directory / f"{table}.json").read_text(encoding="utf-8"))
        resolver = registry.resolver(base_uri=raw["$id"])
        required = set(raw.get("required", []))
        columns = {name: _column(name, spec, name in required, resolver) for name, spec in raw["properties"].items()}
        rows = raw.get("x-rows", {})
        schemas[table] = RecordSchema(
            name=table,
            file=raw["x-file"],
            description=raw.get("description", ""),
            columns=columns,
            min_rows=rows.get("min"),
            max_rows=rows.get("max"),
            unique=tuple(tuple(key) for key in raw.get("x-unique", [])),
            optional_table=bool(raw.get("x-optional-table", False)),
        )
    return schemas


@cache
def code_sets(directory: Path = RECORDS_DIR) -> dict[str, tuple[str, ...]]:
    """The closed category sets of codes.json, by name."""
    codes = json.loads((directory / "codes.json").read_text(encoding="utf-8"))
    return {name: tuple(spec["enum"]) for name, spec in codes["$defs"].items()}
