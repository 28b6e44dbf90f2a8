"""Charts for the briefing: matplotlib SVG, embedded in the HTML as base64, each with a title,
labelled axes and alt text that states the figures shown.

Colours are the Okabe–Ito palette, which stays distinct for the common forms of colour
blindness; meaning never rests on colour alone (markers differ in shape, significance is
filled versus hollow, suppressed bars are left out and listed in the alt text).
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from yotbench.briefing.tables import BY_WORDS, Section  # noqa: E402

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P")
# Past this many inspection dots the spread chart draws them as one embedded image (the lines,
# marks, axes and text stay vector): at scale 100 (5,000 inspections) the dots were 60,000 SVG
# elements, 23 MB of the 24 MB programme briefing page; 60,000 dots as an image are a 65 KB chart.
DENSE_DOTS = 2000
DENSE_DPI = 200
SIGNED_GAP_WORDS = {
    "gender": "female minus male",
    "ethnic_group": "minority ethnic minus white",
    "looked_after": "looked after minus not looked after",
    "case_type": "out of court minus court",
}


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    alt: str
    svg: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")


def _style() -> dict:
    return {
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",
        "svg.hashsalt": "yotbench",
    }


def _svg(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", dpi=DENSE_DPI, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def area_chart(section: Section) -> Chart | None:
    """Horizontal bars: each key question's % yes with its 95% interval."""
    rows = section.rows
    shown = rows[~rows["suppressed"] & rows["pct"].notna()]
    if shown.empty:
        return None
    hidden = rows[rows["suppressed"]]["question_id"].tolist()
    labels = [f"{r.question_id} {r.standard}" for r in shown.itertuples()]
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(shown) + 1.6))
        y = range(len(shown))[::-1]
        # an interval from another source may sit a rounding error inside its percentage
        lower = (shown["pct"] - shown["ci_low"]).clip(lower=0)
        upper = (shown["ci_high"] - shown["pct"]).clip(lower=0)
        ax.barh(list(y), shown["pct"], color=OKABE_ITO[0], height=0.6)
        ax.errorbar(shown["pct"], list(y), xerr=[lower, upper], fmt="none", ecolor="black", capsize=3, linewidth=1)
        for yy, pct in zip(y, shown["pct"], strict=True):
            ax.text(2, yy, f"{pct:.0f}%", va="center", ha="left", color="white", fontweight="bold")
        ax.set_yticks(list(y), labels)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of relevant cases answered yes (bars), with 95% confidence interval (lines)")
        ax.set_ylabel("Key question")
        ax.set_title(_wrap(section.name, 60))
        svg = _svg(fig)
    parts = [
        f"{r.question_id} {r.standard}: {r.pct:.0f}% (95% CI {r.ci_low:.0f} to {r.ci_high:.0f})"
        for r in shown.itertuples()
    ]
    alt = f"Bar chart of key questions in {section.name}, % of relevant cases answered yes. " + "; ".join(parts) + "."
    if hidden:
        alt += f" Not shown because built from too few cases: {', '.join(hidden)}."
    return Chart(f"area-{section.id}", section.name, alt, svg)


def gap_chart(gaps: pd.DataFrame) -> Chart | None:
    """Dots: the signed gap per item and characteristic; filled when significant."""
    if gaps.empty:
        return None
    items = list(dict.fromkeys(gaps["item"]))
    characteristics = list(dict.fromkeys(gaps["characteristic"]))
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(items) + 2.2))
        ax.axvline(0, color="black", linewidth=1)
        offsets = {c: (i - (len(characteristics) - 1) / 2) * 0.18 for i, c in enumerate(characteristics)}
        for i, c in enumerate(characteristics):
            part = gaps[gaps["characteristic"] == c]
            ys = [len(items) - 1 - items.index(it) + offsets[c] for it in part["item"]]
            colour, marker = OKABE_ITO[i % len(OKABE_ITO)], MARKERS[i % len(MARKERS)]
            filled = part["significant"].to_numpy()
            xs = part["signed_gap"].to_numpy()
            ax.scatter(
                xs[filled],
                [y for y, f in zip(ys, filled, strict=True) if f],
                marker=marker,
                s=60,
                color=colour,
                edgecolors=colour,
                label=f"{BY_WORDS.get(c, c)} ({SIGNED_GAP_WORDS.get(c, '')})",
            )
            ax.scatter(
                xs[~filled],
                [y for y, f in zip(ys, filled, strict=True) if not f],
                marker=marker,
                s=60,
                facecolors="white",
                edgecolors=colour,
            )
        ax.set_yticks(range(len(items))[::-1], [_wrap(it, 40) for it in items])
        limit = max(10.0, float(gaps["signed_gap"].abs().max()) * 1.2)
        ax.set_xlim(-limit, limit)
        ax.set_xlabel("Gap in percentage points (filled: significant; hollow: not significant)")
        ax.set_ylabel("Area or question")
        ax.set_title("Gaps by case characteristic")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1, frameon=False)
        svg = _svg(fig)
    parts = [
        f"{r.item}, {BY_WORDS.get(r.characteristic, r.characteristic)} ({SIGNED_GAP_WORDS.get(r.characteristic, '')}): "
        f"{r.signed_gap:+.1f} points, {'significant' if r.significant else 'not significant'}"
        for r in gaps.itertuples()
    ]
    alt = "Dot chart of percentage-point gaps between groups of cases. " + "; ".join(parts) + "."
    return Chart("gaps", "Gaps by case characteristic", alt, svg)


def inspections_text(n: int) -> str:
    """'1 inspection', '12 inspections'."""
    return "1 inspection" if n == 1 else f"{n} inspections"


def spread_chart(spread: pd.DataFrame) -> Chart | None:
    """For each % measure: every inspection as a dot, the range as a line, the average as a bar mark.

    Dense dots (more than DENSE_DOTS) are drawn as one image inside the SVG."""
    if spread.empty:
        return None
    measures = list(dict.fromkeys(spread["measure"]))
    summary = spread.groupby("measure", sort=False)["value"].agg(["min", "max", "mean", "size"]).loc[measures]
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(measures) + 1.8))
        row = {m: len(measures) - 1 - i for i, m in enumerate(measures)}
        ys = [row[m] for m in measures]
        ax.hlines(ys, summary["min"], summary["max"], color=OKABE_ITO[4], linewidth=2)
        ax.scatter(
            spread["value"],
            spread["measure"].map(row),
            s=14,
            color=OKABE_ITO[0],
            alpha=0.6,
            zorder=3,
            rasterized=len(spread) > DENSE_DOTS,
        )
        ax.scatter(summary["mean"], ys, marker="|", s=300, color=OKABE_ITO[5], linewidths=3, zorder=4)
        ax.set_yticks(range(len(measures))[::-1], measures)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% across inspections (dots: inspections; line: lowest to highest; tall mark: average)")
        ax.set_ylabel("Measure")
        ax.set_title("Benchmark spread across inspections")
        svg = _svg(fig)
    parts = [
        f"{m}: lowest {summary.at[m, 'min']:.0f}%, highest {summary.at[m, 'max']:.0f}%, "
        f"average {summary.at[m, 'mean']:.0f}% ({inspections_text(int(summary.at[m, 'size']))})"
        for m in measures
    ]
    alt = "Range chart of each measure across inspections. " + "; ".join(parts) + "."
    return Chart("spread", "Benchmark spread across inspections", alt, svg)
