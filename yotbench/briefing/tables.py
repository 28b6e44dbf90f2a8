"""The briefing's tables and sentences, built from mart-shaped frames for one framework and period.

Everything here is pure: `source.read_marts` fills a `MartFrames` from the analyst
database and `build_briefing` turns it into a `Briefing` (tables with [c] already in
place, sentences, chart data). Tests build `MartFrames` by hand.

Percentages are of relevant cases (yes + no; `na` excluded), pooled over every
inspection in the period, with 95% Wilson intervals.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from yotbench.briefing.phrases import in_cases, share
from yotbench.briefing.suppression import SUPPRESSED, Constraint, cells_to_suppress
from yotbench.frameworks import Framework
from yotbench.records import code_sets

NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
PERCENT = "percent of relevant cases"

# The characteristics of the case characteristics table, in the order seed 000 lists them.
CHARACTERISTICS = {
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "ethnic_group": "Ethnic group",
    "looked_after": "Looked-after status",
    "age_band": "Age",
    "case_type": "Case type",
    "disposal": "Disposal",
}
# Characteristics whose key-question results are tabulated group by group.
BREAKDOWN_CHARACTERISTICS = ("gender", "ethnic_group", "looked_after", "age_band", "case_type")
# What each characteristic is called after "by" in a sentence.
BY_WORDS = {
    "gender": "gender",
    "ethnicity": "ethnicity (five groups)",
    "ethnic_group": "ethnic group",
    "looked_after": "looked-after status",
    "age_band": "age",
    "case_type": "case type",
    "disposal": "disposal",
}
GROUP_LABELS = {
    ("ethnic_group", "minority_ethnic"): "Minority ethnic",
    ("looked_after", "yes"): "Looked after",
    ("looked_after", "no"): "Not looked after",
    ("case_type", "out_of_court"): "Out of court",
}
# How a group of cases is named in a sentence ("female cases scored ... than male cases").
GROUP_NOUNS = {
    "gender": "{} cases",
    "ethnicity": "cases of {} children",
    "ethnic_group": "cases of {} children",
    "looked_after": "{}",
    "age_band": "cases of children aged {}",
    "case_type": "{} cases",
    "disposal": "{} cases",
}
# Nouns that are not the group's label lower-cased (GOV.UK style capitalises Asian, Black and White).
SPECIAL_NOUNS = {
    ("looked_after", "yes"): "looked-after children's cases",
    ("looked_after", "no"): "cases of children not looked after",
    ("ethnicity", "white"): "cases of White children",
    ("ethnicity", "black"): "cases of Black children",
    ("ethnicity", "asian"): "cases of Asian children",
    ("ethnicity", "mixed"): "cases of children of mixed ethnicity",
    ("ethnicity", "other"): "cases of children of other ethnic groups",
    ("ethnic_group", "white"): "cases of White children",
    ("ethnic_group", "minority_ethnic"): "cases of minority ethnic children",
    ("gender", "other"): "cases of children of another gender",
}
# Groups nested in another characteristic's groups: their counts add up to the outer group.
# The 'other' disposal is counted with court disposals (see docs/briefing.md).
NESTING = {
    "ethnicity": (
        "ethnic_group",
        {
            "white": "white",
            "black": "minority_ethnic",
            "asian": "minority_ethnic",
            "mixed": "minority_ethnic",
            "other": "minority_ethnic",
            "unknown": "unknown",
        },
    ),
    "disposal": (
        "case_type",
        {
            "referral_order": "court",
            "youth_rehabilitation_order": "court",
            "custody": "court",
            "other": "court",
            "youth_conditional_caution": "out_of_court",
            "youth_caution": "out_of_court",
            "community_resolution": "out_of_court",
        },
    ),
}
TEST_WORDS = {
    "cmh": "stratified by inspection",
    "chi2": "chi-square test",
    "fisher": "Fisher's exact test",
}
RATING_ORDER = ("outstanding", "good", "requires_improvement", "inadequate")
HIGHLIGHTS = 4  # strengths and areas for improvement listed


@dataclass
class MartFrames:
    """The marts a briefing reads, restricted to one framework and period (columns as issues 4 and 5)."""

    framework: str
    date_from: date
    date_to: date
    inspections: pd.DataFrame  # marts.inspections: inspection_id, provider, fieldwork_start, fieldwork_end, cases
    question_results: pd.DataFrame  # marts.question_results_between: question_id, level, relevant_cases,
    #                                 yes_cases, pct_yes, ci_low, ci_high (pooled over the period)
    case_characteristics: pd.DataFrame  # marts.case_characteristics_between: characteristic, group_value, cases
    characteristic_results: pd.DataFrame  # marts.characteristic_results_between: question_id, characteristic,
    #                                       group_value, relevant_cases, yes_cases
    standard_ratings: pd.DataFrame  # marts.standard_ratings: inspection_id, standard_id, final_rating, score
    inspection_ratings: pd.DataFrame  # marts.inspection_ratings: inspection_id, final_score, max_score, final_rating
    benchmark_values: pd.DataFrame  # marts.benchmarks_between: item_kind, item_id, item_label, item_order,
    #                                 inspection_id, value, base
    significance: pd.DataFrame  # marts.significance columns (yotbench.gaps), for the period
    db: Path | None = None  # the marts file read, when not the published one (the nightly run's build)


@dataclass
class Table:
    """One published table: the same content goes to HTML, Markdown, xlsx, ods and CSV."""

    name: str  # table_name in the workbook and the CSV file stem: letters, digits, underscores
    title: str
    description: list[str]
    frame: pd.DataFrame  # display values: numbers, text, or a shorthand such as [c]
    notes: list[str] = field(default_factory=list)  # keys of NOTES that apply
    text_columns: tuple[str, ...] = ()  # columns holding text that came from submissions
    html_frame: pd.DataFrame | None = None  # the rows the HTML and Markdown show, when not all of them

    @property
    def shown(self) -> pd.DataFrame:
        return self.frame if self.html_frame is None else self.html_frame


@dataclass
class Section:
    """One area (or standard) of the framework: its key questions and chart data."""

    id: str
    name: str
    rows: pd.DataFrame  # question_id, standard, text, relevant_cases, pct, ci_low, ci_high, words, suppressed


@dataclass
class Briefing:
    framework: Framework
    date_from: date
    date_to: date
    headline: dict
    sections: list[Section]
    strengths: list[str]
    improvements: list[str]
    findings: list[str]
    no_difference: list[str]
    tables: list[Table]
    gaps: pd.DataFrame  # chart data: item, characteristic, signed_gap, significant
    spread: pd.DataFrame  # chart data: measure, inspection values for % measures
    threshold: int

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


NOTES = {
    "suppression": "Figures built from fewer than {threshold} cases are shown as [c], and so is any figure "
    "from which a [c] figure could be worked out using a total.",
    "relevant": "Percentages are of relevant cases: cases in which the question was answered yes or no. "
    "Cases where it did not apply are left out.",
    "wilson": "95% confidence intervals are Wilson score intervals for a proportion, treating cases as "
    "independent. Cases are clustered in inspections, so the intervals are somewhat too narrow.",
    "benchmark": "Lowest, highest, average and median are across inspections, each inspection counting once. "
    "For a key question, only inspections with at least {threshold} relevant cases are included.",
    "benchmark_per_inspection": "An inspection whose cases are shown as [c] in the inspections table is left out "
    "of every measure, so that none of its figures can be worked out from the lowest, highest, average or median.",
    "ratings": "Ratings are counts of inspections, which are published for each inspection and not suppressed.",
    "significance": "Tests, adjustment for multiple testing and the rule for a significant difference are in "
    "docs/assumptions.md, section 'Significance tests (gaps)'. [x] marks a test not run; the note says why.",
    "per_inspection": "Per-inspection figures are not suppressed unless the run is configured to suppress them.",
    "per_inspection_suppressed": "Per-inspection figures built from fewer than {threshold} cases are shown as [c], "
    "and so are those of another inspection where the [c] count could be worked out from the total number of cases.",
    "period": "An inspection is in the period when its fieldwork ended on or after the first date and on or "
    "before the last date (as the marts' period dimension counts it).",
    "reconstructed": "Question wording for this framework is reconstructed from published reports; see docs/assumptions.md.",
}


def _label(characteristic: str, value: str) -> str:
    if (characteristic, value) in GROUP_LABELS:
        return GROUP_LABELS[(characteristic, value)]
    return str(value).replace("_", " ").capitalize()


def _noun(characteristic: str, value: str) -> str:
    if (characteristic, value) in SPECIAL_NOUNS:
        return SPECIAL_NOUNS[(characteristic, value)]
    word = _label(characteristic, value)
    word = word if characteristic == "age_band" else word.lower()
    return GROUP_NOUNS.get(characteristic, "{} cases").format(word)


def _pct(yes: float, n: float) -> float:
    return yes / n * 100 if n else math.nan


def _round(value: float, digits: int = 1) -> float:
    return float(round(value, digits))


# ---------------------------------------------------------------- key questions


def key_question_results(frames: MartFrames, framework: Framework, threshold: int) -> pd.DataFrame:
    """One row per key question of the framework, pooled over the period's inspections, in framework order."""
    qr = frames.question_results
    pooled = qr[qr["level"] == "key_question"].set_index("question_id")
    rows = []
    for q in framework.questions():
        if q.level != "key_question":
            continue
        standard = next(s for s in framework.standards if s.id == q.standard_id)
        found = q.question_id in pooled.index
        relevant = int(pooled.at[q.question_id, "relevant_cases"]) if found else 0

        def number(column: str, found=found, relevant=relevant, qid=q.question_id) -> float:
            return float(pooled.at[qid, column]) if found and relevant else math.nan

        rows.append(
            {
                "question_id": q.question_id,
                "standard_id": q.standard_id,
                "standard": standard.name,
                "domain": framework.domain_of(q.standard_id).name,
                "area": q.area,
                "text": q.text,
                "relevant_cases": relevant,
                "yes_cases": int(pooled.at[q.question_id, "yes_cases"]) if found else 0,
                "pct": number("pct_yes"),
                "ci_low": number("ci_low"),
                "ci_high": number("ci_high"),
            }
        )
    out = pd.DataFrame(rows)
    # A question nobody answered in the period has no figure to hide: it is [x], not [c].
    out["suppressed"] = (out["relevant_cases"] > 0) & (out["relevant_cases"] < threshold)
    out["words"] = [
        in_cases(share(yes, relevant)) if relevant and not hidden else ""
        for yes, relevant, hidden in zip(out["yes_cases"], out["relevant_cases"], out["suppressed"], strict=True)
    ]
    return out


def sections(results: pd.DataFrame, framework: Framework) -> list[Section]:
    """Group key questions by area when the framework has areas, else by standard."""
    if framework.areas:
        groups = [(a.id, a.name, results[results["area"] == a.id]) for a in framework.areas]
        rest = results[results["area"].isna()]
        if len(rest):
            groups.append(("other", "Other key questions", rest))
    else:
        groups = [(s.id, f"{s.id} {s.name}", results[results["standard_id"] == s.id]) for s in framework.standards]
    return [Section(i, n, rows.reset_index(drop=True)) for i, n, rows in groups if len(rows)]


def _quote(text: str) -> str:
    return f"\u201c{text}\u201d"


def highlights(results: pd.DataFrame, n: int = HIGHLIGHTS) -> tuple[list[str], list[str]]:
    """Strengths (highest %) and areas for improvement (lowest %), in seed 000's words."""
    shown = results[~results["suppressed"] & results["pct"].notna()].copy()
    shown["order"] = range(len(shown))
    take = min(n, len(shown) // 2)
    top = shown.sort_values(["pct", "order"], ascending=[False, True]).head(take)
    bottom = shown.sort_values(["pct", "order"], ascending=[True, True]).head(take)
    strengths = [
        f"{in_cases(share(r.yes_cases, r.relevant_cases)).capitalize()} ({r.pct:.0f}% of {r.relevant_cases:,}), "
        "inspectors answered yes to "
        f"{_quote(r.text)} ({r.question_id}, {r.standard})."
        for r in top.itertuples()
    ]
    improvements = [
        f"{in_cases(share(r.relevant_cases - r.yes_cases, r.relevant_cases)).capitalize()} "
        f"({100 - r.pct:.0f}% of {r.relevant_cases:,}), inspectors answered no to "
        f"{_quote(r.text)} ({r.question_id}, {r.standard})."
        for r in bottom.itertuples()
    ]
    return strengths, improvements


def key_question_table(results: pd.DataFrame, framework: Framework) -> Table:
    display = pd.DataFrame(
        {
            "Question": results["question_id"],
            "Domain": results["domain"],
            "Standard": results["standard_id"] + " " + results["standard"],
            "Area": [framework_area_name(framework, a) for a in results["area"]],
            "Key question": results["text"],
        }
    )
    hidden = results["suppressed"]
    none = results["relevant_cases"] == 0
    display["Relevant cases"] = _cells(results["relevant_cases"], hidden, digits=None, empty=none)
    for column, source in (("% yes", "pct"), ("95% CI lower", "ci_low"), ("95% CI upper", "ci_high")):
        display[column] = _cells(results[source], hidden, digits=1, empty=none)
    display["In words"] = [
        w or (SUPPRESSED if h else NOT_AVAILABLE) for w, h in zip(results["words"], hidden, strict=True)
    ]
    return Table(
        "key_questions",
        "Key questions: percentage of relevant cases answered yes",
        ["Pooled over every inspection in the period. Percentages with 95% confidence intervals."],
        display,
        ["relevant", "wilson", "suppression"],
        html_frame=display.drop(columns=["Domain", "Area"]),
    )


def framework_area_name(framework: Framework, area: str | None) -> str:
    if area is None or (isinstance(area, float) and math.isnan(area)):
        return NOT_APPLICABLE
    return next((a.name for a in framework.areas if a.id == area), str(area))


def _cells(values: pd.Series, hidden: pd.Series, digits: int | None, empty: pd.Series | None = None) -> list:
    """Numbers for display: rounded, [c] where hidden, [x] where there is nothing to show."""
    out = []
    for i, (v, h) in enumerate(zip(values, hidden, strict=True)):
        if empty is not None and bool(empty.iloc[i]) and not h:
            out.append(NOT_AVAILABLE)
        elif h:
            out.append(SUPPRESSED)
        elif v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(NOT_AVAILABLE)
        else:
            out.append(int(v) if digits is None else _round(float(v), digits))
    return out


# ---------------------------------------------------------------- case characteristics


def group_order(characteristic: str) -> tuple[str, ...]:
    """Groups in the order of schemas/records/codes.json (age bands and ethnic groups as the marts define them)."""
    codes = code_sets()
    return {
        "ethnic_group": ("white", "minority_ethnic", "unknown"),
        "age_band": ("10-14", "15-17", "18"),
    }.get(characteristic, codes.get(characteristic, ()))


def _ordered(frame: pd.DataFrame, characteristics) -> pd.DataFrame:
    """Rows by characteristic (in the given order), then group (in code order, unknown codes last)."""
    order = {c: i for i, c in enumerate(characteristics)}
    frame = frame[frame["characteristic"].isin(order)].copy()
    frame["_c"] = frame["characteristic"].map(order)
    frame["_g"] = [
        (group_order(c).index(g) if g in group_order(c) else len(group_order(c)), str(g))
        for c, g in zip(frame["characteristic"], frame["group_value"], strict=True)
    ]
    return frame.sort_values(["_c", "_g"], kind="stable").drop(columns=["_c", "_g"])


def _nesting_constraints(keys: set, prefix: tuple) -> list[Constraint]:
    """Constraints tying nested groups (ethnicity in ethnic group, disposal in case type) to their outer group."""
    constraints = []
    for inner, (outer, mapping) in NESTING.items():
        for outer_value in dict.fromkeys(mapping.values()):
            outer_key = (*prefix, outer, outer_value)
            members = tuple(
                (*prefix, inner, v) for v, o in mapping.items() if o == outer_value and (*prefix, inner, v) in keys
            )
            if outer_key in keys and members:
                constraints.append(Constraint(outer_key, members))
    return constraints


# Characteristics whose cells are tied together by totals or nesting, suppressed as one system.
FAMILIES = (("gender",), ("ethnic_group", "ethnicity"), ("looked_after",), ("age_band",), ("case_type", "disposal"))


@dataclass
class Breakdowns:
    """The counts of the case characteristics table and of the key questions by group table, with the
    cells of both to suppress, worked out together: ("cases", characteristic, group) and
    ("question", question_id, characteristic, group)."""

    cases: pd.DataFrame  # characteristic, group_value, count, in table order
    questions: pd.DataFrame  # question_id, characteristic, group_value, count, yes_cases, in table order
    hidden: set

    def case_hidden(self, characteristic: str, group: str) -> bool:
        return ("cases", characteristic, group) in self.hidden

    def question_hidden(self, question_id: str, characteristic: str, group: str) -> bool:
        return ("question", question_id, characteristic, group) in self.hidden

    def has_question_cell(self, question_id: str, characteristic: str, group: str) -> bool:
        return (question_id, characteristic, group) in self._question_cells

    def __post_init__(self) -> None:
        q = self.questions
        self._question_cells = set(zip(q["question_id"], q["characteristic"], q["group_value"], strict=True))


def _with_empty_groups(cases: pd.DataFrame) -> pd.DataFrame:
    """The case characteristics with a row of 0 cases for each group of a characteristic no case of the
    period has (the marts have rows only for groups with cases): a group left out would say it is 0."""
    have = set(zip(cases["characteristic"], cases["group_value"], strict=True))
    shown = dict.fromkeys(cases["characteristic"])
    empty = [(c, g, 0) for c in shown for g in group_order(c) if (c, g) not in have]
    if not empty:
        return cases
    extra = pd.DataFrame(empty, columns=["characteristic", "group_value", "cases"])
    return pd.concat([cases[["characteristic", "group_value", "cases"]], extra], ignore_index=True)


def _question_cells(
    frames: MartFrames, results: pd.DataFrame, framework: Framework, cases: pd.DataFrame
) -> pd.DataFrame:
    """Every group of every breakdown characteristic for each answered key question, zero counts included
    (a group left out would say its count is 0), except case types the question does not apply to."""
    cr = frames.characteristic_results
    found: dict[tuple, dict] = defaultdict(dict)  # (question, characteristic) -> group -> (relevant, yes)
    for r in cr[cr["question_id"].isin(results["question_id"])].itertuples():
        found[(r.question_id, r.characteristic)][r.group_value] = (int(r.relevant_cases), int(r.yes_cases))
    known = {c: list(g["group_value"]) for c, g in cases.groupby("characteristic", sort=False)}
    rows = []
    for r in results[results["relevant_cases"] > 0].itertuples():
        scope = set(framework.domain_of(r.standard_id).case_types)
        for c in BREAKDOWN_CHARACTERISTICS:
            present = found.get((r.question_id, c))
            if not present:
                continue
            for g in dict.fromkeys([*known.get(c, []), *present]):
                count, yes = present.get(g, (0, 0))
                if c == "case_type" and g not in scope and count == 0:
                    continue  # zero by the framework's design: no figure to protect
                rows.append((r.question_id, c, g, count, yes))
    frame = pd.DataFrame(rows, columns=["question_id", "characteristic", "group_value", "count", "yes_cases"])
    order = {q: i for i, q in enumerate(results["question_id"])}
    frame = _ordered(frame, BREAKDOWN_CHARACTERISTICS)
    return frame.sort_values("question_id", key=lambda q: q.map(order), kind="stable").reset_index(drop=True)


def _partition_constraints(cases: dict, questions: dict, question_ids: list[str], characteristic: str) -> list:
    """Ties between the two tables that the counts themselves show: a key question whose groups equal the
    case characteristics table's (every case relevant), or two whose groups add up to it (court and
    out-of-court questions). A reader can spot these from the published cells and subtract."""
    groups = [g for c, g in cases if c == characteristic]
    if not groups:
        return []

    def vector(qid: str) -> tuple:
        return tuple(questions.get((qid, characteristic, g), 0) for g in groups)

    target = tuple(cases[(characteristic, g)] for g in groups)
    vectors = {qid: vector(qid) for qid in question_ids}
    covering = [(qid,) for qid, v in vectors.items() if v == target]
    covering += [
        (a, b)
        for i, a in enumerate(question_ids)
        for b in question_ids[i + 1 :]
        if all(x + y == t for x, y, t in zip(vectors[a], vectors[b], target, strict=True))
    ]
    constraints = []
    for parts in covering:
        for g in groups:
            members = tuple(
                ("question", qid, characteristic, g) for qid in parts if (qid, characteristic, g) in questions
            )
            if members:
                constraints.append(Constraint(("cases", characteristic, g), members))
    return constraints


def breakdowns(
    frames: MartFrames, results: pd.DataFrame, framework: Framework, total_cases: int, threshold: int
) -> Breakdowns:
    """Suppression for the case characteristics and key questions by group tables, as one system per family
    of characteristics: each characteristic adds up to all cases (and nested groups to their outer group),
    each question's groups add up to its relevant cases (published in the key questions table), and the
    two tables are tied where the counts show it (`_partition_constraints`)."""
    cases = _ordered(_with_empty_groups(frames.case_characteristics), CHARACTERISTICS).rename(
        columns={"cases": "count"}
    )
    questions = _question_cells(frames, results, framework, cases)
    case_counts = {(r.characteristic, r.group_value): int(r.count) for r in cases.itertuples()}
    question_counts = {(r.question_id, r.characteristic, r.group_value): int(r.count) for r in questions.itertuples()}
    totals = {r.question_id: int(r.relevant_cases) for r in results[results["relevant_cases"] > 0].itertuples()}
    question_ids = list(totals)
    hidden: set = set()
    for family in FAMILIES:
        values: dict = {("total",): total_cases}
        values |= {("cases", c, g): n for (c, g), n in case_counts.items() if c in family}
        values |= {("total", q): n for q, n in totals.items()}
        values |= {("question", q, c, g): n for (q, c, g), n in question_counts.items() if c in family}
        groups: dict[tuple, list] = defaultdict(list)  # each total -> the cells adding up to it
        for key in values:
            if key[0] == "cases":
                groups[("total",), key[1]].append(key)
            elif key[0] == "question":
                groups[("total", key[1]), key[2]].append(key)
        constraints = [Constraint(total, tuple(members)) for (total, _), members in groups.items()]
        constraints += _nesting_constraints(set(values), ("cases",))
        for c in family:
            constraints += _partition_constraints(case_counts, question_counts, question_ids, c)
        small = {k for k in values if k[0] == "question" and totals[k[1]] < threshold}
        published = {k for k in values if k[0] == "total" and values[k] >= threshold}
        hidden |= cells_to_suppress(values, constraints, threshold, always=small, published=published)
    return Breakdowns(cases, questions, {k for k in hidden if k[0] != "total"})


def case_characteristics_table(breakdown: Breakdowns, total_cases: int, threshold: int) -> Table:
    rows = []
    for r in breakdown.cases.itertuples():
        h = breakdown.case_hidden(r.characteristic, r.group_value)
        rows.append(
            {
                "Characteristic": CHARACTERISTICS[r.characteristic],
                "Group": _label(r.characteristic, r.group_value),
                "Cases": SUPPRESSED if h else int(r.count),
                "% of cases": SUPPRESSED
                if h
                else (_round(_pct(r.count, total_cases)) if total_cases else NOT_AVAILABLE),
            }
        )
    return Table(
        "case_characteristics",
        "Case characteristics",
        [
            f"The {total_cases:,} cases inspected in the period, by characteristic. Each characteristic adds up to all cases."
            if total_cases >= threshold
            else "The cases inspected in the period, by characteristic."
        ],
        pd.DataFrame(rows, columns=["Characteristic", "Group", "Cases", "% of cases"]),
        ["suppression"],
    )


def characteristic_table(breakdown: Breakdowns, results: pd.DataFrame) -> Table:
    """Key questions by characteristic group, suppressed together with the case characteristics table."""
    text = results.set_index("question_id")["text"]
    rows = []
    for r in breakdown.questions.itertuples():
        h = breakdown.question_hidden(r.question_id, r.characteristic, r.group_value)
        rows.append(
            {
                "Question": r.question_id,
                "Key question": text[r.question_id],
                "Characteristic": CHARACTERISTICS[r.characteristic],
                "Group": _label(r.characteristic, r.group_value),
                "Relevant cases": SUPPRESSED if h else int(r.count),
                "% yes": SUPPRESSED if h else (_round(_pct(r.yes_cases, r.count)) if r.count else NOT_AVAILABLE),
            }
        )
    columns = ["Question", "Key question", "Characteristic", "Group", "Relevant cases", "% yes"]
    return Table(
        "key_questions_by_group",
        "Key questions by case characteristic",
        [
            "Percentage of relevant cases answered yes, for each group of cases. The groups of a characteristic "
            "add up to the relevant cases of the question."
        ],
        pd.DataFrame(rows, columns=columns),
        ["relevant", "suppression"],
    )


# ---------------------------------------------------------------- differences by characteristic


def _item_words(row, framework: Framework) -> str:
    scope, item = row["scope"], str(row["item_id"])
    if scope == "area":
        name = framework_area_name(framework, item)
        return name[0].lower() + name[1:] if name != NOT_APPLICABLE else item
    if scope == "standard":
        standard = next((s for s in framework.standards if s.id == item), None)
        return f"standard {item} {standard.name}" if standard else f"standard {item}"
    text = next((q.text for q in framework.questions() if q.question_id == item), None)
    kind = "prompt" if row.get("level") == "prompt" else "key question"
    return f"{kind} {item} {_quote(text)}" if text else item


def _value(row, column: str, default=None):
    value = row.get(column, default) if hasattr(row, "get") else default
    return default if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _small_groups(row, threshold: int) -> bool:
    """A comparison with a group of fewer than `threshold` cases: its figures are [c]."""
    sizes = [_value(row, "higher_n"), _value(row, "lower_n")]
    sizes = [s for s in sizes if s is not None]
    if sizes:
        return min(sizes) < threshold
    return _value(row, "n_cases", 0) < threshold


def _hidden_by_breakdown(row, breakdown: Breakdowns | None) -> bool:
    """A question compared on a group that is [c] in the breakdown tables (its own cell in the key
    questions by group table, else the group's row of the case characteristics table): a share of a
    few cases pins down how many, so its percentages would give the hidden count back. Standard and
    area rows compare mean case scores, which do not."""
    if breakdown is None or row["scope"] != "question":
        return False
    c, item = row["characteristic"], str(row["item_id"])
    groups = [g for g in (_value(row, "higher_group"), _value(row, "lower_group")) if g is not None]
    return any(
        breakdown.question_hidden(item, c, g)
        if breakdown.has_question_cell(item, c, g)
        else breakdown.case_hidden(c, g)
        for g in groups
    )


def _figures_hidden(row, threshold: int, breakdown: Breakdowns | None) -> str | None:
    """Why a comparison's figures are not shown, or None when they are."""
    if _small_groups(row, threshold):
        return f"fewer than {threshold} cases in a group"
    if _hidden_by_breakdown(row, breakdown):
        return "a group's count is suppressed in the tables"
    return None


def _p_words(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


class PValue(float):
    """A p-value in a table the HTML and Markdown show: written as the findings write it (three
    decimals, or "< 0.001"), not to the one decimal place of other figures."""

    def __str__(self) -> str:
        return _p_words(self)


def _p_value(p: float) -> float:
    """A p-value for the spreadsheets: three significant figures, so a small one is not shown as 0."""
    return float(f"{p:.3g}")


def finding_sentence(
    row, framework: Framework, min_gap_pp: float, threshold: int, breakdown: Breakdowns | None = None
) -> str:
    c = row["characteristic"]
    higher = _noun(c, row["higher_group"])
    lower = _noun(c, row["lower_group"])
    groups = str(_value(row, "groups_compared", "")).split(" vs ")
    if len(groups) > 2:  # a test across several groups says they differ, not that one pair does
        subject = (
            f"Results differed significantly by {BY_WORDS.get(c, c)} on {_item_words(row, framework)}: "
            f"highest for {higher}, lowest for {lower}"
        )
    else:
        subject = (
            f"{higher[0].upper()}{higher[1:]} scored significantly higher than {lower} on {_item_words(row, framework)}"
        )
    stratified = _value(row, "p_stratified_adjusted")
    method = "stratified by inspection" if stratified is not None else TEST_WORDS.get(row["test"], str(row["test"]))
    p_parts = [f"adjusted p {_p_words(stratified)} within inspections"] if stratified is not None else []
    p_parts.append(
        f"{_p_words(row['p_adjusted'])} pooled"
        if stratified is not None
        else f"adjusted p {_p_words(row['p_adjusted'])}"
    )
    hidden = _figures_hidden(row, threshold, breakdown)
    if hidden:
        return f"{subject} (figures not shown: {hidden}); {method} ({', '.join(p_parts)})."
    gap = float(row["gap_pp"])
    points = "1 point" if round(gap) == 1 else f"{gap:.0f} points"
    high, low = _value(row, "higher_pct"), _value(row, "lower_pct")
    figures = f" ({high:.0f}% against {low:.0f}%)" if high is not None and low is not None else ""
    below = _value(row, "below_min_gap")
    below = gap < min_gap_pp if below is None else bool(below)
    small = f", a small difference (under {min_gap_pp:g} points)" if below else ""
    apart = " apart" if len(groups) > 2 else ""
    return f"{subject}{figures}, {points}{apart}{small}; {method} ({', '.join(p_parts)})."


SCOPE_ORDER = {"area": 0, "standard": 1, "question": 2}
# The columns of the differences table the HTML and Markdown show (the spreadsheets have them all).
HTML_DIFFERENCE_COLUMNS = [
    "Characteristic",
    "Scope",
    "Item",
    "Higher group",
    "Higher %",
    "Lower group",
    "Lower %",
    "Gap (points)",
    "Stratified adjusted p",
]


def _sorted_significance(significance: pd.DataFrame) -> pd.DataFrame:
    char_order = {c: i for i, c in enumerate(BY_WORDS)}
    level = significance["level"] if "level" in significance else pd.Series(None, index=significance.index)
    return (
        significance.assign(
            _c=significance["characteristic"].map(char_order).fillna(99),
            _s=significance["scope"].map(SCOPE_ORDER).fillna(9),
            _l=(level == "prompt").astype(int),
        )
        .sort_values(["_c", "_s", "_l"], kind="stable")
        .drop(columns=["_c", "_s", "_l"])
    )


def differences(
    significance: pd.DataFrame,
    framework: Framework,
    min_gap_pp: float,
    threshold: int,
    breakdown: Breakdowns | None = None,
) -> tuple[list[str], list[str]]:
    """Sentences for every significant finding, and one for each characteristic tested without any."""
    if significance.empty:
        return [], []
    ordered = _sorted_significance(significance)
    sig = ordered[ordered["significant"].fillna(False).astype(bool)]
    findings = [finding_sentence(r, framework, min_gap_pp, threshold, breakdown) for _, r in sig.iterrows()]
    char_order = {c: i for i, c in enumerate(BY_WORDS)}
    found = set(sig["characteristic"])
    none = []
    for c in sorted(set(significance["characteristic"]) - found, key=lambda c: char_order.get(c, 99)):
        by = BY_WORDS.get(c, c.replace("_", " "))
        rows = significance["characteristic"] == c
        ran, of = int((significance.loc[rows, "test"] != "none").sum()), int(rows.sum())
        if ran == 0:
            none.append(f"No difference by {by} could be tested: too few cases in its groups, or only one group.")
        elif ran < of:
            none.append(
                f"There were no statistically significant differences by {by} "
                f"({ran} of the {of} comparisons could be tested)."
            )
        else:
            none.append(f"There were no statistically significant differences by {by}.")
    return findings, none


def published_note(note: str, figures_hidden: bool = False) -> str:
    """A gaps note as the briefing prints it: without the counts of cases it carries (the 'left out:
    3 unknown, 1 other' list, group sizes such as 'female (2)', the smallest expected count). Beside
    the tables' totals such counts would let a [c] cell be worked out; marts.significance keeps them.
    On a row whose figures are not shown (figures_hidden), the gap in points goes too: beside the
    other group's percentage it would give the hidden one."""
    note = re.sub(r"left out: [^;]*", lambda m: re.sub(r"(?<![\d.])\d+ ", "", m.group(0)), note)
    note = re.sub(r" \(\d+\)", "", note)
    if figures_hidden:
        note = re.sub(r"the gap of [\d.]+ points", "the gap", note)
    return re.sub(r"smallest expected count [\d.]+ ", "smallest expected count ", note)


def significance_table(
    significance: pd.DataFrame, framework: Framework, threshold: int, breakdown: Breakdowns | None = None
) -> Table:
    rows = []
    for _, r in _sorted_significance(significance).iterrows():
        hide = _figures_hidden(r, threshold, breakdown) is not None

        def number(column, digits, row=r, hide=hide):
            value = _value(row, column)
            if value is None:
                return NOT_AVAILABLE
            return SUPPRESSED if hide else _round(float(value), digits)

        def group(column, row=r, hide=hide):
            value = _value(row, column)
            if value is None:
                return NOT_AVAILABLE
            return SUPPRESSED if hide else _label(row["characteristic"], value)

        def p(column, row=r):
            value = _value(row, column)
            return NOT_AVAILABLE if value is None else _p_value(float(value))

        note = _value(r, "note", "")
        rows.append(
            {
                "Characteristic": CHARACTERISTICS.get(r["characteristic"], r["characteristic"]),
                "Scope": str(r["scope"]).capitalize(),
                "Item": str(r["item_id"]),
                "Groups compared": str(_value(r, "groups_compared", NOT_AVAILABLE)),
                "Higher group": group("higher_group"),
                "Higher %": number("higher_pct", 1),
                "Lower group": group("lower_group"),
                "Lower %": number("lower_pct", 1),
                "Gap (points)": number("gap_pp", 1),
                "Pooled test": str(r["test"]),
                "Pooled adjusted p": p("p_adjusted"),
                "Stratified test": str(_value(r, "stratified_test", "none")),
                "Stratified adjusted p": p("p_stratified_adjusted"),
                "Significant": "Yes" if bool(_value(r, "significant", False)) else "No",
                "Note": published_note(note, figures_hidden=hide) if note.strip() else NOT_APPLICABLE,
            }
        )
    columns = [
        "Characteristic",
        "Scope",
        "Item",
        "Groups compared",
        "Higher group",
        "Higher %",
        "Lower group",
        "Lower %",
        "Gap (points)",
        "Pooled test",
        "Pooled adjusted p",
        "Stratified test",
        "Stratified adjusted p",
        "Significant",
        "Note",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    shown = frame.loc[frame["Significant"] == "Yes", HTML_DIFFERENCE_COLUMNS].reset_index(drop=True)
    p_column = "Stratified adjusted p"
    shown[p_column] = pd.Series(
        [PValue(v) if isinstance(v, float) else v for v in shown[p_column]], index=shown.index, dtype=object
    )
    return Table(
        "differences",
        "Differences by case characteristic: significance tests",
        [
            "Every test run on the cases of the period, significant or not, is in the spreadsheets and the CSV file; "
            "the briefing shows the significant ones."
        ],
        frame,
        ["significance", "suppression"],
        html_frame=shown,
    )


SIGNED_PAIRS = {
    "gender": ("female", "male"),
    "ethnic_group": ("minority_ethnic", "white"),
    "looked_after": ("yes", "no"),
    "case_type": ("out_of_court", "court"),
}


def gap_chart_data(
    significance: pd.DataFrame, framework: Framework, threshold: int, breakdown: Breakdowns | None = None
) -> pd.DataFrame:
    """Signed gaps (first group of SIGNED_PAIRS minus the second) at the broadest scope tested."""
    columns = ["item", "characteristic", "signed_gap", "significant"]
    if significance.empty:
        return pd.DataFrame(columns=columns)
    sig = significance[significance["characteristic"].isin(SIGNED_PAIRS) & significance["gap_pp"].notna()]
    sig = sig[[_figures_hidden(r, threshold, breakdown) is None for _, r in sig.iterrows()]]
    for scope in ("area", "standard", "question"):
        chosen = sig[sig["scope"] == scope]
        if len(chosen):
            break
    rows = []
    for _, r in chosen.iterrows():
        first, second = SIGNED_PAIRS[r["characteristic"]]
        if {r["higher_group"], r["lower_group"]} != {first, second}:
            continue
        sign = 1 if r["higher_group"] == first else -1
        rows.append(
            {
                "item": _item_words(r, framework),
                "characteristic": r["characteristic"],
                "signed_gap": sign * float(r["gap_pp"]),
                "significant": bool(r["significant"]),
            }
        )
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------- benchmarks and ratings


def _summary(values: pd.Series) -> dict:
    if values.empty:
        return {
            "Lowest": NOT_AVAILABLE,
            "Highest": NOT_AVAILABLE,
            "Average": NOT_AVAILABLE,
            "Median": NOT_AVAILABLE,
            "Inspections": 0,
        }
    return {
        "Lowest": _round(values.min()),
        "Highest": _round(values.max()),
        "Average": _round(values.mean()),
        "Median": _round(values.median()),
        "Inspections": int(values.size),
    }


BENCHMARK_KINDS = ("overall_score", "headline", "area", "standard_score", "key_question")
PERCENT_KINDS = {"headline", "area", "key_question"}
PERCENT_OF_ANSWERS = "percent of relevant answers"


def _measure_name(kind: str, item_id: str, label: str) -> str:
    return {
        "overall_score": "Overall score",
        "headline": f"{label} score",
        "area": f"Area: {label}",
        "standard_score": f"Standard {item_id} {label}",
        "key_question": f"Key question {item_id}",
    }[kind]


def benchmark_measures(
    frames: MartFrames, framework: Framework, threshold: int, left_out: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Long table: measure, unit, inspection_id, value for the framework's headline measures.

    A percentage resting on fewer than `threshold` relevant cases (answers, for areas and
    headlines) is left out, so no lowest or highest figure is built from a handful of cases.
    The inspections in `left_out` (cases [c] in the inspections table) are left out of every
    measure: their figures would otherwise be read off the dots or worked out from the average.
    """
    bv = frames.benchmark_values
    bv = bv[bv["item_kind"].isin(BENCHMARK_KINDS) & bv["value"].notna() & ~bv["inspection_id"].isin(left_out)].copy()
    percent = bv["item_kind"].isin(PERCENT_KINDS)
    bv = bv[~percent | (bv["base"].fillna(0) >= max(threshold, 1))]
    top = max((b.score for b in framework.rating.question_bands), default=0) if framework.rating else 0
    scored = sum(1 for s in framework.standards if s.rated_by != "none")
    units = {
        "overall_score": f"score out of {top * scored}",
        "standard_score": f"score out of {top}",
        "key_question": PERCENT,
        "headline": PERCENT_OF_ANSWERS,
        "area": PERCENT_OF_ANSWERS,
    }
    kind_order = {k: i for i, k in enumerate(BENCHMARK_KINDS)}
    bv["_k"] = bv["item_kind"].map(kind_order)
    bv = bv.sort_values(["_k", "item_order", "inspection_id"], kind="stable")
    # one name per measure, not per inspection x measure (at scale 100, 40 names for 200,000 rows)
    items = list(zip(*(bv[c].to_numpy(dtype=object) for c in ("item_kind", "item_id", "item_label")), strict=True))
    named = {item: _measure_name(item[0], str(item[1]), str(item[2])) for item in dict.fromkeys(items)}
    return pd.DataFrame(
        {
            "measure": [named[item] for item in items],
            "unit": bv["item_kind"].map(units).to_numpy(),
            "inspection_id": bv["inspection_id"].to_numpy(),
            "value": bv["value"].astype(float).to_numpy(),
        },
        columns=["measure", "unit", "inspection_id", "value"],
    )


def benchmark_table(measures: pd.DataFrame, per_inspection_suppressed: bool = False) -> Table:
    rows = []
    for (measure, unit), group in measures.groupby(["measure", "unit"], sort=False):
        rows.append({"Measure": measure, "Unit": unit, **_summary(group["value"])})
    columns = ["Measure", "Unit", "Lowest", "Highest", "Average", "Median", "Inspections"]
    return Table(
        "benchmarks",
        "Benchmarks: lowest, highest and average across inspections",
        ["For each headline measure, the spread of the inspections in the period (seed 001's table)."],
        pd.DataFrame(rows, columns=columns),
        ["benchmark", "benchmark_per_inspection"] if per_inspection_suppressed else ["benchmark"],
    )


def rating_distribution_table(frames: MartFrames, framework: Framework) -> Table | None:
    """Inspections by final rating, for each standard and overall (rated frameworks only)."""
    if framework.rating is None:
        return None
    labels = {r: r.replace("_", " ").capitalize() for r in RATING_ORDER}
    rows = []
    sr = frames.standard_ratings
    n = len(frames.inspections)
    for s in framework.standards:
        if s.rated_by == "none":
            continue
        ratings = sr.loc[sr["standard_id"] == s.id, "final_rating"].dropna()
        counts = ratings.value_counts()
        row = {"Standard": f"{s.id} {s.name}"}
        row.update({labels[r]: int(counts.get(r, 0)) for r in RATING_ORDER})
        row["Not rated"] = n - int(ratings.size)
        rows.append(row)
    overall = frames.inspection_ratings["final_rating"].dropna()
    counts = overall.value_counts()
    row = {"Standard": "Overall rating"}
    row.update({labels[r]: int(counts.get(r, 0)) for r in RATING_ORDER})
    row["Not rated"] = n - int(overall.size)
    rows.append(row)
    return Table(
        "ratings",
        "Ratings: number of inspections by final rating, for each standard",
        ["Final ratings, after any panel override, of the inspections in the period."],
        pd.DataFrame(rows, columns=["Standard", *labels.values(), "Not rated"]),
        ["ratings"],
    )


def hidden_inspections(inspections: pd.DataFrame, threshold: int) -> frozenset[str]:
    """Inspections whose cases are [c] in the inspections table: fewer than `threshold` cases, and the
    complements that stop one being worked out as the headline's total cases minus the others (the
    headline publishes the total unless it is itself below the threshold)."""
    if inspections.empty:
        return frozenset()
    values = {
        ("inspection", str(i)): int(n) for i, n in zip(inspections["inspection_id"], inspections["cases"], strict=True)
    }
    total = values[("total",)] = int(inspections["cases"].sum())
    constraints = [Constraint(("total",), tuple(k for k in values if k[0] == "inspection"))]
    published = set() if 0 < total < threshold else {("total",)}
    hidden = cells_to_suppress(values, constraints, threshold, published=published)
    return frozenset(k[1] for k in hidden if k[0] == "inspection")


def per_inspection_table(
    frames: MartFrames, framework: Framework, threshold: int, suppress: bool, hidden: frozenset[str] | None = None
) -> Table:
    """One row per inspection: provider, fieldwork, cases, and its headline figures.

    With `suppress`, the inspections in `hidden` (by default `hidden_inspections`) show [c] for
    their cases and percentages; final scores and ratings are published for every inspection."""
    insp = frames.inspections.sort_values(["fieldwork_start", "inspection_id"]).reset_index(drop=True)
    if suppress and hidden is None:
        hidden = hidden_inspections(insp, threshold)
    display = pd.DataFrame(
        {
            "Inspection": insp["inspection_id"].astype(str),
            "Provider": insp["provider"].astype(str),
            "Fieldwork start": [d.isoformat() for d in pd.to_datetime(insp["fieldwork_start"]).dt.date],
            "Fieldwork end": [d.isoformat() for d in pd.to_datetime(insp["fieldwork_end"]).dt.date],
        }
    )
    small = insp["inspection_id"].astype(str).isin(hidden) if suppress else pd.Series(False, index=insp.index)
    display["Cases"] = [SUPPRESSED if s else int(c) for c, s in zip(insp["cases"], small, strict=True)]
    bv = frames.benchmark_values

    def each_inspection(values: pd.Series) -> np.ndarray:
        """`values` (indexed by inspection_id) in the table's order, missing where an inspection has none."""
        return values.reindex(insp["inspection_id"]).to_numpy(dtype=object)

    def per_inspection(kind: str, item_id: str) -> list:
        values = bv[(bv["item_kind"] == kind) & (bv["item_id"] == item_id)].set_index("inspection_id")["value"]
        return [
            SUPPRESSED if s else (NOT_AVAILABLE if pd.isna(v) else _round(float(v)))
            for v, s in zip(each_inspection(values), small, strict=True)
        ]

    for h in framework.headlines:
        display[f"{h.name} %"] = per_inspection("headline", h.id)
    if framework.rating is not None:
        ir = frames.inspection_ratings.set_index("inspection_id")
        display["Final score"] = [NOT_AVAILABLE if pd.isna(v) else int(v) for v in each_inspection(ir["final_score"])]
        display["Final rating"] = [
            str(v).replace("_", " ").capitalize() if isinstance(v, str) else NOT_AVAILABLE
            for v in each_inspection(ir["final_rating"])
        ]
    if not framework.headlines and framework.rating is None:
        for a in framework.areas:
            display[f"{a.name} %"] = per_inspection("area", a.id)
    return Table(
        "inspections",
        "Inspections in the period",
        [
            "One row per inspection. Area percentages pool the answers to the area's key questions."
            if not framework.headlines and framework.rating is None
            else "One row per inspection."
        ],
        display,
        ["per_inspection_suppressed" if suppress else "per_inspection", "period"],
        text_columns=("Provider",),
    )


# ---------------------------------------------------------------- the whole briefing


def headline(frames: MartFrames, framework: Framework, total_cases: int) -> dict:
    insp = frames.inspections
    return {
        "framework_id": framework.id,
        "framework": framework.name,
        "date_from": frames.date_from,
        "date_to": frames.date_to,
        "inspections": len(insp),
        "cases": total_cases,
        "first_fieldwork": min(pd.to_datetime(insp["fieldwork_start"]).dt.date) if len(insp) else None,
        "last_fieldwork": max(pd.to_datetime(insp["fieldwork_end"]).dt.date) if len(insp) else None,
    }


def headline_table(head: dict, threshold: int) -> Table:
    cases = head["cases"]
    rows = [
        ("Framework", f"{head['framework']} ({head['framework_id']})"),
        ("Period", f"{head['date_from'].isoformat()} to {head['date_to'].isoformat()}"),
        # counts as numbers, so a spreadsheet stores them as numbers (text only where a cell is text)
        ("Inspections", int(head["inspections"])),
        ("Cases", SUPPRESSED if 0 < cases < threshold else int(cases)),
    ]
    return Table(
        "headline",
        "Headline: inspections and cases in the period",
        ["The framework, the period and how many inspections and cases the briefing is built from."],
        pd.DataFrame(rows, columns=["Measure", "Value"]),
        ["period", "suppression"],
    )


def build_briefing(
    frames: MartFrames, framework: Framework, *, threshold: int, suppress_per_inspection: bool, min_gap_pp: float
) -> Briefing:
    """Every table, sentence and chart series of one briefing."""
    total_cases = int(frames.inspections["cases"].sum())
    head = headline(frames, framework, total_cases)
    results = key_question_results(frames, framework, threshold)
    strengths, improvements = highlights(results)
    breakdown = breakdowns(frames, results, framework, total_cases, threshold)
    findings, none = differences(frames.significance, framework, min_gap_pp, threshold, breakdown)
    tables = [
        headline_table(head, threshold),
        key_question_table(results, framework),
        case_characteristics_table(breakdown, total_cases, threshold),
        characteristic_table(breakdown, results),
        significance_table(frames.significance, framework, threshold, breakdown),
    ]
    # Per-inspection suppression hides an inspection's cases (and its percentages) in the inspections
    # table; the benchmarks and the spread chart leave it out, or they would give its figures back.
    hidden = hidden_inspections(frames.inspections, threshold) if suppress_per_inspection else frozenset()
    measures = benchmark_measures(frames, framework, threshold, left_out=hidden)
    tables.append(benchmark_table(measures, per_inspection_suppressed=suppress_per_inspection))
    ratings = rating_distribution_table(frames, framework)
    if ratings is not None:
        tables.append(ratings)
    tables.append(per_inspection_table(frames, framework, threshold, suppress_per_inspection, hidden))
    spread = measures[measures["unit"].isin([PERCENT, PERCENT_OF_ANSWERS])].reset_index(drop=True)
    return Briefing(
        framework=framework,
        date_from=frames.date_from,
        date_to=frames.date_to,
        headline=head,
        sections=sections(results, framework),
        strengths=strengths,
        improvements=improvements,
        findings=findings,
        no_difference=none,
        tables=tables,
        gaps=gap_chart_data(frames.significance, framework, threshold, breakdown),
        spread=spread,
        threshold=threshold,
    )
