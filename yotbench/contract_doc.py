"""Generate docs/input-contract.md from the record schemas, so the two cannot drift."""

from __future__ import annotations

from pathlib import Path

from yotbench.config import PROJECT_ROOT
from yotbench.records import ColumnSpec, load_record_schemas

DOC = PROJECT_ROOT / "docs" / "input-contract.md"

INTRO = """# The raw input contract

*Generated from `schemas/records/*.json` by `python -m yotbench.contract_doc`; do not edit by hand.*

One **submission** is one inspection, dropped in `data/raw/` as either

- a folder holding `inspection.csv`, `cases.csv`, `answers.csv` and optionally `ratings.csv`, or
- one `.xlsx` workbook with sheets named `inspection`, `cases`, `answers` and optionally `ratings`.

CSV files are UTF-8 (a byte-order mark is tolerated), comma-separated, with a header row.
Codes are case- and whitespace-insensitive: they are trimmed and lower-cased, and spaces or
hyphens inside a code are read as `_` where that gives a valid code. The aliases listed below
normalise without loss. Each such change is counted as a notice in the run summary, not an error.
Unexpected columns are ignored with a warning. In `data/raw/`, entries whose names start with
`.`, `_`, `~$` or `readme` are not submissions and are passed over; inside a submission folder,
hidden files, Excel's lock files (`~$answers.csv`), `Thumbs.db` and `desktop.ini` are no part of
the submission (they do not make it a new version). Rows are numbered as a spreadsheet shows them:
the header is row 1, and an empty line is a row. Empty lines are ignored; a row of commas alone
(what a spreadsheet writes for a row it has cleared) is ignored and counted as a notice.

Every rule below is checked by the validation gate; a submission that breaks any rule is
quarantined whole (see `docs/validation.md`).
"""


def _rule(spec: ColumnSpec) -> str:
    parts = []
    if spec.enum:
        parts.append(" \\| ".join(f"`{v}`" for v in spec.enum))
    if spec.type == "integer":
        parts.append(f"integer {spec.minimum}–{spec.maximum}" if spec.minimum is not None else "integer")
    if spec.date:
        parts.append("ISO date `YYYY-MM-DD`")
    if spec.pattern and not spec.enum:
        parts.append(f"pattern `{spec.pattern}`")
    if spec.aliases:
        parts.append("aliases: " + ", ".join(f"`{k}`→`{v}`" for k, v in spec.aliases.items()))
    if spec.known == "framework":
        parts.append("must name a file in `schemas/frameworks/`")
    elif spec.known:
        parts.append(f"must be a {spec.known} of the submission's framework")
    if spec.not_before:
        parts.append(f"not before `{spec.not_before}`")
    if spec.not_in_future:
        parts.append("not after the day it is checked")
    if spec.references:
        parts.append(f"must exist in `{spec.references}`")
    return "; ".join(parts) or "text"


def render() -> str:
    lines = [INTRO]
    for schema in load_record_schemas().values():
        rows = ""
        if schema.min_rows is not None or schema.max_rows is not None:
            if schema.min_rows == schema.max_rows:
                rows = f" Exactly {schema.min_rows} row."
            else:
                rows = f" At least {schema.min_rows} row."
        optional = " Optional table." if schema.optional_table else ""
        lines.append(f"## `{schema.name}` (`{schema.file}`)\n\n{schema.description}{rows}{optional}\n")
        if schema.unique:
            keys = ", ".join("(" + ", ".join(k) + ")" for k in schema.unique)
            lines.append(f"Unique: {keys}.\n")
        lines.append("| column | required | rule | notes |\n|---|---|---|---|")
        for spec in schema.columns.values():
            lines.append(f"| `{spec.name}` | {'yes' if spec.required else 'no'} | {_rule(spec)} | {spec.description} |")
        lines.append("")
    return "\n".join(lines)


def write(path: Path = DOC) -> None:
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    write()
