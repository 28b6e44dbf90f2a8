"""A crafted, mart-shaped input for the briefing: three yos-2018 inspections, 25 cases.

Every figure is small enough to check by hand; the expected values in the tests are
worked out in their comments.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from yotbench.briefing.tables import MartFrames
from yotbench.frameworks import load_frameworks

FORMULA_PROVIDER = '=HYPERLINK("http://x","y")'

# inspection, question, relevant, yes
QUESTION_ROWS = [
    ("yos-00001", "2.1.1", 11, 9),
    ("yos-00002", "2.1.1", 9, 6),
    ("yos-00003", "2.1.1", 2, 2),  # 17/22
    ("yos-00001", "2.1.2", 11, 10),
    ("yos-00002", "2.1.2", 9, 8),
    ("yos-00003", "2.1.2", 2, 2),  # 20/22
    ("yos-00001", "2.1.3", 7, 2),
    ("yos-00002", "2.1.3", 6, 3),
    ("yos-00003", "2.1.3", 2, 0),  # 5/15
    ("yos-00001", "2.2.1", 11, 11),
    ("yos-00002", "2.2.1", 9, 9),
    ("yos-00003", "2.2.1", 2, 2),  # 22/22
    ("yos-00001", "2.2.2", 11, 5),
    ("yos-00002", "2.2.2", 9, 5),
    ("yos-00003", "2.2.2", 2, 1),  # 11/22
    ("yos-00001", "3.1.1", 1, 1),
    ("yos-00002", "3.1.1", 1, 0),
    ("yos-00003", "3.1.1", 1, 1),  # 2/3: [c]
]

CASE_CHARACTERISTICS = [
    ("gender", "male", 18),
    ("gender", "female", 5),
    ("gender", "other", 2),
    ("ethnicity", "white", 17),
    ("ethnicity", "black", 3),
    ("ethnicity", "asian", 2),
    ("ethnicity", "mixed", 1),
    ("ethnicity", "unknown", 2),
    ("ethnic_group", "white", 17),
    ("ethnic_group", "minority_ethnic", 6),
    ("ethnic_group", "unknown", 2),
    ("looked_after", "yes", 8),
    ("looked_after", "no", 15),
    ("looked_after", "unknown", 2),
    ("age_band", "10-14", 7),
    ("age_band", "15-17", 16),
    ("age_band", "18", 2),
    ("case_type", "court", 22),
    ("case_type", "out_of_court", 3),
    ("disposal", "referral_order", 10),
    ("disposal", "youth_rehabilitation_order", 9),
    ("disposal", "custody", 3),
    ("disposal", "youth_caution", 3),
]

# question, characteristic, group, relevant, yes (2.1.1 only: 22 relevant cases)
CHARACTERISTIC_ROWS = [
    ("2.1.1", "gender", "male", 16, 11),
    ("2.1.1", "gender", "female", 5, 5),
    ("2.1.1", "gender", "other", 1, 1),
    ("2.1.1", "looked_after", "yes", 7, 4),
    ("2.1.1", "looked_after", "no", 15, 13),
]

# The columns of marts.significance the briefing reads (issue 5 and yotbench/gaps.py).
SIGNIFICANCE_COLUMNS = [
    "framework",
    "scope",
    "item_id",
    "level",
    "characteristic",
    "groups_compared",
    "test",
    "p_value",
    "p_adjusted",
    "gap_pp",
    "higher_group",
    "lower_group",
    "higher_pct",
    "lower_pct",
    "higher_n",
    "lower_n",
    "stratified_test",
    "p_stratified",
    "p_stratified_adjusted",
    "significant",
    "below_min_gap",
    "n_cases",
    "note",
]
SIGNIFICANCE_ROWS = [
    (
        "yos-2018",
        "area",
        "desistance",
        None,
        "gender",
        "male vs female",
        "mann_whitney",
        0.0011,
        0.0044,
        12.4,
        "female",
        "male",
        81.0,
        68.6,
        60,
        340,
        "cmh_mean_score",
        0.0026,
        0.0104,
        True,
        False,
        400,
        "left out: 2 unknown",
    ),
    (
        "yos-2018",
        "question",
        "2.1.2",
        "key_question",
        "looked_after",
        "yes vs no",
        "chi2",
        0.009,
        0.036,
        3.2,
        "no",
        "yes",
        80.2,
        77.0,
        250,
        130,
        "cmh",
        0.014,
        0.042,
        True,
        True,
        380,
        "left out: 12 unknown",
    ),
    (
        "yos-2018",
        "area",
        "desistance",
        None,
        "ethnic_group",
        "white vs minority_ethnic",
        "mann_whitney",
        0.52,
        0.61,
        1.5,
        "white",
        "minority_ethnic",
        71.0,
        69.5,
        290,
        100,
        "cmh_mean_score",
        0.55,
        0.64,
        False,
        True,
        390,
        "",
    ),
    (
        "yos-2018",
        "question",
        "3.1.1",
        "key_question",
        "gender",
        "male vs female",
        "none",
        None,
        None,
        50.0,
        "female",
        "male",
        100.0,
        50.0,
        1,
        2,
        "none",
        None,
        None,
        False,
        None,
        3,
        "left out: 1 unknown; smallest expected count 0.7 is below 5 in a 2 x 2 table: no test",
    ),
    (
        "yos-2018",
        "question",
        "2.1.1",
        "key_question",
        "gender",
        "male vs female",
        "fisher",
        0.004,
        0.03,
        31.2,
        "female",
        "male",
        100.0,
        68.8,
        4,
        16,
        "cmh_exact",
        0.01,
        0.04,
        True,
        False,
        20,
        "",
    ),
]


Z = 1.959963984540054


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval in per cent, written out (the marts compute it in SQL)."""
    p = k / n
    d = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / d
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / d
    return (centre - half) * 100, (centre + half) * 100


def pooled_question_results() -> pd.DataFrame:
    """marts.question_results_between for the crafted period: summed over the three inspections."""
    per = pd.DataFrame(QUESTION_ROWS, columns=["inspection_id", "question_id", "relevant_cases", "yes_cases"])
    out = per.groupby("question_id", sort=False)[["relevant_cases", "yes_cases"]].sum().reset_index()
    out["level"] = "key_question"
    out["pct_yes"] = out["yes_cases"] / out["relevant_cases"] * 100
    bounds = [wilson(k, n) for k, n in zip(out["yes_cases"], out["relevant_cases"], strict=True)]
    out["ci_low"] = [b[0] for b in bounds]
    out["ci_high"] = [b[1] for b in bounds]
    return out


def benchmark_values() -> pd.DataFrame:
    """marts.benchmarks_between for the crafted period: one value per item and inspection."""
    rows = [
        ("key_question", q, f"text of {q}", i, insp, yes / rel * 100, rel)
        for i, (insp, q, rel, yes) in enumerate(QUESTION_ROWS)
    ]
    rows += [
        ("overall_score", "overall", "Overall score", 0, insp, score, None)
        for insp, score in (("yos-00001", 25), ("yos-00002", 17), ("yos-00003", 31))
    ]
    rows += [
        ("standard_score", "2.1", "Assessment", 5, insp, score, None)
        for insp, score in (("yos-00001", 2), ("yos-00002", 1), ("yos-00003", 0))
    ]
    rows += [
        ("standard_score", "1.1", "Governance and leadership", 1, insp, score, None)
        for insp, score in (("yos-00001", 3), ("yos-00002", 2))
    ]
    rows += [("standard_pct", "2.1", "Assessment", 5, "yos-00001", 55.0, 29)]  # not a benchmark measure
    return pd.DataFrame(
        rows, columns=["item_kind", "item_id", "item_label", "item_order", "inspection_id", "value", "base"]
    )


def crafted_frames() -> MartFrames:
    inspections = pd.DataFrame(
        [
            ("yos-00001", "Ashford Youth Offending Service", date(2019, 5, 1), date(2019, 5, 8), 12),
            ("yos-00002", FORMULA_PROVIDER, date(2019, 9, 2), date(2019, 9, 9), 10),
            ("yos-00003", "Bram <b>ley</b> | YOS", date(2020, 1, 6), date(2020, 1, 10), 3),
        ],
        columns=["inspection_id", "provider", "fieldwork_start", "fieldwork_end", "cases"],
    )
    standard_ratings = pd.DataFrame(
        [
            ("yos-00001", "2.1", "good", 2),
            ("yos-00002", "2.1", "requires_improvement", 1),
            ("yos-00003", "2.1", "inadequate", 0),
            ("yos-00001", "1.1", "outstanding", 3),
            ("yos-00002", "1.1", "good", 2),
        ],
        columns=["inspection_id", "standard_id", "final_rating", "score"],
    )
    inspection_ratings = pd.DataFrame(
        [
            ("yos-00001", 25, 36, "good"),
            ("yos-00002", 17, 36, "requires_improvement"),
            ("yos-00003", 31, 36, "outstanding"),
        ],
        columns=["inspection_id", "final_score", "max_score", "final_rating"],
    )
    return MartFrames(
        framework="yos-2018",
        date_from=date(2019, 4, 1),
        date_to=date(2020, 3, 31),
        inspections=inspections,
        question_results=pooled_question_results(),
        case_characteristics=pd.DataFrame(CASE_CHARACTERISTICS, columns=["characteristic", "group_value", "cases"]),
        characteristic_results=pd.DataFrame(
            CHARACTERISTIC_ROWS, columns=["question_id", "characteristic", "group_value", "relevant_cases", "yes_cases"]
        ),
        standard_ratings=standard_ratings,
        inspection_ratings=inspection_ratings,
        benchmark_values=benchmark_values(),
        significance=pd.DataFrame(SIGNIFICANCE_ROWS, columns=SIGNIFICANCE_COLUMNS),
    )


@pytest.fixture
def frames() -> MartFrames:
    return crafted_frames()


@pytest.fixture
def yos():
    return load_frameworks()["yos-2018"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The crafted briefing written to a fresh data directory once per test module."""
    from datetime import UTC, datetime

    from yotbench.briefing import write_briefing_from_frames
    from yotbench.config import RunConfig

    config = RunConfig(data_dir=tmp_path_factory.mktemp("briefing") / "data")
    return write_briefing_from_frames(
        crafted_frames(), config, run_id="20200401T000000Z-abc123", written_at=datetime(2020, 4, 1, 2, 0, tzinfo=UTC)
    )
