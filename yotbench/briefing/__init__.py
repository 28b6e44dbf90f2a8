"""The periodic aggregate briefing (issue 6): seed 000's SQS aggregate report, for any framework and period.

    write_briefing(config, framework="yos-2018", date_from=..., date_to=..., run_id=...)
        -> DIR/briefings/<framework>_<from>_<to>/ with briefing.html, briefing.md, tables.xlsx,
           tables.ods, csv/*.csv and lineage.json, swapped in whole.
    write_nightly_briefings(config, run_id)  -> the current financial year and the programme to
                                                date, for every framework in the marts.
    publish_artifacts(paths)                 -> Prefect table + markdown artifacts (inside a flow run).

How the figures are made is in docs/briefing.md.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from yotbench.atomic import atomic_dir, swap_in
from yotbench.briefing.lineage import collect
from yotbench.briefing.render import context, render_html, render_markdown
from yotbench.briefing.tables import NOTES, Briefing, MartFrames, Table, build_briefing
from yotbench.briefing.workbook import CoverText, write_csvs, write_ods, write_xlsx
from yotbench.config import RunConfig
from yotbench.faults import checkpoint
from yotbench.frameworks import load_frameworks

__all__ = [
    "MartFrames",
    "briefing_dir",
    "publish_artifacts",
    "write_briefing",
    "write_briefing_from_frames",
    "write_nightly_briefings",
    "install_briefings",
]


def briefing_dir(config: RunConfig, framework: str, date_from: date, date_to: date, root: Path | None = None) -> Path:
    return (root or config.briefings_dir) / f"{framework}_{date_from.isoformat()}_{date_to.isoformat()}"


def sources_table(lineage: dict) -> Table:
    rows = [
        {
            "Submission": s["submission"],
            "Inspection": s["inspection_id"],
            "Content hash (SHA-256)": s["content_hash"],
            "Landed in run": s["landed_in_run"],
        }
        for s in lineage["submissions"]
    ]
    frame = pd.DataFrame(rows, columns=["Submission", "Inspection", "Content hash (SHA-256)", "Landed in run"])
    if frame.empty:
        frame = pd.DataFrame([["[x]"] * 4], columns=frame.columns)
    return Table(
        "sources",
        "Sources: the submissions this briefing was built from",
        [f"Run {lineage['run_id']}, written {lineage['written_at']} by yotbench {lineage['yotbench_version']}."],
        frame,
        [],
        text_columns=("Submission",),
    )


def cover(briefing: Briefing, ctx: dict, lineage: dict, tables: list[Table], contact: str | None = None) -> CoverText:
    threshold = briefing.threshold
    return CoverText(
        title=ctx["title"],
        intro=[
            ctx["intro"],
            "Each table of the briefing is on its own worksheet; the Contents worksheet lists them "
            "and the Notes worksheet holds the notes they refer to. The same tables are in briefing.html and, "
            "one file per table, in the csv folder.",
        ],
        about=[
            *ctx["shorthand"],
            NOTES["suppression"].format(threshold=threshold),
            f"Built by yotbench {lineage['yotbench_version']} in run {lineage['run_id']} on {lineage['written_at']} "
            f"from {len(lineage['submissions'])} submissions (Table {len(tables)}, with content hashes).",
            "How the figures are made: docs/briefing.md in the yotbench repository.",
        ],
        contact=[
            *([contact] if contact else []),
            "Produced by the yotbench pipeline. The nightly run rewrites this briefing when new submissions land.",
        ],
    )


def write_briefing_from_frames(
    frames: MartFrames, config: RunConfig, *, run_id: str, written_at: datetime | None = None, root: Path | None = None
) -> Path:
    """Build every output of one briefing from mart-shaped frames and swap the folder in whole."""
    framework = load_frameworks()[frames.framework]
    briefing = build_briefing(
        frames,
        framework,
        threshold=config.suppress_below,
        suppress_per_inspection=config.suppress_per_inspection,
        min_gap_pp=config.min_gap_pp,
    )
    lineage = collect(
        config,
        framework=frames.framework,
        inspection_ids=set(frames.inspections["inspection_id"]),
        run_id=run_id,
        written_at=written_at,
        db=frames.db,
    )
    lineage |= {
        "framework": frames.framework,
        "date_from": frames.date_from.isoformat(),
        "date_to": frames.date_to.isoformat(),
    }
    tables = [*briefing.tables, sources_table(lineage)]
    ctx = context(briefing, lineage, tables)
    target = briefing_dir(config, frames.framework, frames.date_from, frames.date_to, root)
    with atomic_dir(target) as tmp:
        (tmp / "briefing.html").write_text(render_html(ctx), encoding="utf-8")
        (tmp / "briefing.md").write_text(render_markdown(ctx), encoding="utf-8")
        write_xlsx(
            tmp / "tables.xlsx", tables, cover(briefing, ctx, lineage, tables, config.contact), config.suppress_below
        )
        write_ods(tmp / "tables.ods", tmp / "tables.xlsx")
        checkpoint("briefing", config.data_dir)  # folder half-written: the crash tests stop here
        write_csvs(tmp / "csv", tables)
        (tmp / "lineage.json").write_text(json.dumps(lineage, indent=2) + "\n", encoding="utf-8")
    return target


def write_briefing(
    config: RunConfig,
    *,
    framework: str,
    date_from: date,
    date_to: date,
    run_id: str,
    db: Path | None = None,
    root: Path | None = None,
) -> Path:
    """Read the marts (or the build `db`) for one framework and period and write its briefing folder under root."""
    from yotbench.briefing.source import read_marts

    frames = read_marts(config, framework=framework, date_from=date_from, date_to=date_to, db=db)
    return write_briefing_from_frames(frames, config, run_id=run_id, root=root)


def write_nightly_briefings(
    config: RunConfig, run_id: str, *, db: Path | None = None, root: Path | None = None
) -> list[Path]:
    """For each framework in the marts: the latest financial year with fieldwork, and the programme to date.

    The nightly flow passes its unpublished build as `db` and a staging folder as `root`, and moves
    the folders into DIR/briefings only when the marts are published (`install_briefings`).
    """
    from yotbench.briefing.source import nightly_periods

    return [
        write_briefing(config, framework=f, date_from=start, date_to=end, run_id=run_id, db=db, root=root)
        for f, start, end in nightly_periods(config, db)
    ]


def install_briefings(staged: list[Path], config: RunConfig) -> list[Path]:
    """Move staged briefing folders into DIR/briefings, each replacing any older one whole. Safe to
    repeat (a retried task): a staged folder already moved into place is left there."""
    installed = []
    for folder in staged:
        target = config.briefings_dir / folder.name
        installed.append(target if target.exists() and not folder.exists() else swap_in(folder, target))
    for staging in {folder.parent for folder in staged}:
        if staging != config.briefings_dir and staging.is_dir() and not any(staging.iterdir()):
            staging.rmdir()
    return installed


def _count(text: str | None) -> int | str | None:
    """A count read back from a headline CSV as a number (text such as [c] as it is)."""
    return int(text.replace(",", "")) if text and text.replace(",", "").isdigit() else text


def publish_artifacts(paths: list[Path]) -> None:
    """The headline of each briefing as a Prefect table artifact, and the paths as a markdown artifact.

    Call from inside a flow or task run.
    """
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    rows = []
    for path in paths:
        lineage = json.loads((path / "lineage.json").read_text(encoding="utf-8"))
        headline = pd.read_csv(next((path / "csv").glob("table_1_*.csv")), dtype=str)
        values = dict(zip(headline["Measure"], headline["Value"], strict=True))
        rows.append(
            {
                "briefing": path.name,
                "framework": lineage["framework"],
                "from": lineage["date_from"],
                "to": lineage["date_to"],
                "inspections": _count(values.get("Inspections")),
                "cases": _count(values.get("Cases")),
                "submissions": len(lineage["submissions"]),
            }
        )
    create_table_artifact(
        table=rows,
        key="briefing-headline",
        description="# Briefings written\nInspections and cases behind each briefing of this run.",
    )
    lines = ["# Briefings", ""] + [f"- `{p / 'briefing.html'}`" for p in paths]
    create_markdown_artifact(
        markdown="\n".join(lines), key="briefing-paths", description="Where this run wrote its briefings."
    )
