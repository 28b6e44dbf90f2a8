"""briefing.html (one self-contained file, charts embedded) and briefing.md, from one Briefing."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from yotbench.briefing.charts import Chart, area_chart, gap_chart, inspections_text, spread_chart
from yotbench.briefing.suppression import SHORTHAND, SUPPRESSED
from yotbench.briefing.tables import NOTES, Briefing, PValue, Section, Table

TEMPLATES = Path(__file__).parent / "templates"
SHORTHAND_RE = re.compile(r"\[[a-z]\]")
MARKDOWN_SPECIAL = "\\`*_<>|#"


@dataclass(frozen=True)
class SectionView:
    section: Section
    chart: Chart | None
    sentences: list[str]


def cell(value: object) -> str:
    """A table value as text: whole numbers with thousands separators, p-values as the findings write
    them, other numbers to one decimal place."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, PValue):
        return str(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.1f}"
    return str(value)


def numeric_columns(frame: pd.DataFrame) -> list[bool]:
    """Columns whose values are numbers apart from shorthand: right-aligned."""

    def numeric(values) -> bool:
        numbers = [v for v in values if not (isinstance(v, str) and SHORTHAND_RE.fullmatch(v))]
        return bool(numbers) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers)

    return [numeric(frame[c].tolist()) for c in frame.columns]


def md(value: object) -> str:
    """Text made inert in Markdown: emphasis, code, HTML, table pipes and headings are escaped,
    and a link or image cannot form (its `](` is broken); shorthand such as [c] stays readable."""
    text = str(value)
    for ch in MARKDOWN_SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text.replace("](", "]\\(").replace("\n", " ")


def md_table(table: Table, number: int) -> str:
    frame = table.shown
    lines = [f"**Table {number}: {md(table.title)}**", ""]
    lines.append("| " + " | ".join(md(c) for c in frame.columns) + " |")
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric_columns(frame)) + "|")
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(md(cell(v)) for v in row) + " |")
    lines += ["", md(" ".join(table.description))]
    return "\n".join(lines)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = cell
    env.filters["md"] = md
    env.filters["md_table"] = md_table
    env.filters["numeric_columns"] = numeric_columns
    return env


def question_sentence(r, threshold: int) -> str:
    where = f"{r.question_id} {r.standard} ({r.domain})"
    if r.suppressed:
        return f"{where}: {r.text} {SUPPRESSED} (fewer than {threshold} relevant cases)."
    if r.relevant_cases == 0:
        return f"{where}: {r.text} No relevant cases in the period."
    return (
        f"{where}: {r.text} Yes {r.words} ({r.pct:.0f}%, 95% CI {r.ci_low:.0f}% to {r.ci_high:.0f}%; "
        f"{r.relevant_cases:,} relevant cases)."
    )


def _long_date(d) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def context(briefing: Briefing, lineage: dict, tables: list[Table]) -> dict:
    head = briefing.headline
    by_name = {t.name: t for t in tables}
    numbers = {t.name: i for i, t in enumerate(tables, start=1)}
    cases = head["cases"]
    cases_text = SUPPRESSED if 0 < cases < briefing.threshold else f"{cases:,}"
    title = (
        f"{briefing.framework.name}: aggregate briefing, "
        f"{_long_date(head['date_from'])} to {_long_date(head['date_to'])}"
    )
    intro = (
        f"This briefing summarises the findings of the {inspections_text(int(head['inspections']))} whose fieldwork ended "
        f"between {_long_date(head['date_from'])} and {_long_date(head['date_to'])}, covering {cases_text} cases. "
        "It is published so that services can benchmark their own performance against these findings."
    )
    sections = [
        SectionView(s, area_chart(s), [question_sentence(r, briefing.threshold) for r in s.rows.itertuples()])
        for s in briefing.sections
    ]
    used = list(dict.fromkeys(n for t in tables for n in t.notes))
    return {
        "briefing": briefing,
        "head": head,
        "lineage": lineage,
        "title": title,
        "intro": intro,
        "cases_text": cases_text,
        "sections": sections,
        "tables": _Tables(by_name),
        "numbers": numbers,
        "gap_chart": gap_chart(briefing.gaps),
        "spread_chart": spread_chart(briefing.spread),
        "shorthand": [f"{k} {v.format(threshold=briefing.threshold)}" for k, v in SHORTHAND.items()],
        "notes": [NOTES[n].format(threshold=briefing.threshold) for n in used],
    }


class _Tables(dict):
    """Tables by name, with a missing one (e.g. ratings for an unrated framework) as None."""

    def __getattr__(self, name: str) -> Table | None:
        return self.get(name)


def render_html(ctx: dict) -> str:
    return _environment().get_template("briefing.html.j2").render(**ctx)


def render_markdown(ctx: dict) -> str:
    return _environment().get_template("briefing.md.j2").render(**ctx)
