"""Per-inspection suppression (RunConfig.suppress_per_inspection): no hidden inspection can be worked out.

Built on the crafted briefing input (tests/briefing/conftest.py): three yos-2018 inspections with
12 (yos-00001), 10 (yos-00002) and 3 (yos-00003) cases, 25 in all, which the headline publishes.
A threshold of 5 hides exactly one inspection by itself (yos-00003).
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from yotbench.briefing.tables import build_briefing
from yotbench.frameworks import load_frameworks

THRESHOLD = 5


@pytest.fixture
def strict(frames, yos):
    return build_briefing(frames, yos, threshold=THRESHOLD, suppress_per_inspection=True, min_gap_pp=5)


def rows(table) -> list[list]:
    return table.frame.to_numpy().tolist()


def test_a_second_inspection_is_hidden_as_the_complement(strict):
    # Primary: yos-00003 has 3 cases, below 5. Shown alone as [c], it would come straight back
    # from the headline: 25 - 12 - 10 = 3. One more count must go: yos-00002 (10), the smaller
    # of the other two. Then 25 - 12 = 13 is all a reader gets, yos-00002 + yos-00003 = 13, and
    # that does not split. A [c] count hides the row's percentages too (yos-2018 has none here);
    # final scores and ratings are the inspection's published outcome and stay.
    assert rows(strict.table("inspections")) == [
        ["yos-00001", "Ashford Youth Offending Service", "2019-05-01", "2019-05-08", 12, 25, "Good"],
        ["yos-00002", '=HYPERLINK("http://x","y")', "2019-09-02", "2019-09-09", "[c]", 17, "Requires improvement"],
        ["yos-00003", "Bram <b>ley</b> | YOS", "2020-01-06", "2020-01-10", "[c]", 31, "Outstanding"],
    ]
    assert strict.table("inspections").notes == ["per_inspection_suppressed", "period"]
    assert rows(strict.table("headline"))[-1] == ["Cases", 25]


def _pinned(hidden: list[str], equations: list[dict[str, int]]) -> list[str]:
    """Hidden cells whose value the equations fix: e_j lies in the row space of the equations over the hidden cells."""
    a = np.array([[eq.get(h, 0) for h in hidden] for eq in equations], dtype=float)
    rank = np.linalg.matrix_rank(a)
    return [h for j, h in enumerate(hidden) if np.linalg.matrix_rank(np.vstack([a, np.eye(len(hidden))[j]])) == rank]


def test_no_hidden_count_can_be_worked_out_from_the_headline_total(strict):
    table = strict.table("inspections").frame
    total = int(rows(strict.table("headline"))[-1][1])
    shown = {i: c for i, c in zip(table["Inspection"], table["Cases"], strict=True) if c != "[c]"}
    hidden = [i for i, c in zip(table["Inspection"], table["Cases"], strict=True) if c == "[c]"]
    # The one equation a reader has: the hidden counts add up to the total less the shown ones.
    rest = total - sum(shown.values())
    assert _pinned(hidden, [dict.fromkeys(hidden, 1)]) == []
    assert (hidden, rest) == (["yos-00002", "yos-00003"], 25 - 12)
    # The test's own check agrees with the old table: one [c] count alone is pinned by the total.
    assert _pinned(["yos-00003"], [{"yos-00003": 1}]) == ["yos-00003"]
    # Whole numbers too, even knowing some [c] count is below 5: each hidden count still takes many values.
    solutions = [
        s for s in itertools.product(range(rest + 1), repeat=len(hidden)) if sum(s) == rest and min(s) < THRESHOLD
    ]
    for j in range(len(hidden)):
        assert len({s[j] for s in solutions}) > 1


def test_benchmarks_leave_out_the_hidden_inspections(strict):
    table = strict.table("benchmarks").frame.set_index("Measure")
    cols = ["Lowest", "Highest", "Average", "Median", "Inspections"]
    # Only yos-00001 is left: overall score 25, standards 1.1 and 2.1 scored 3 and 2 (before: 17 to 31,
    # average 24.3, over 3 inspections, and yos-00003's 31 was the highest, next to its [c] cases).
    assert table.loc["Overall score", cols].tolist() == [25.0, 25.0, 25.0, 25.0, 1]
    assert table.loc["Standard 1.1 Governance and leadership", cols].tolist() == [3.0, 3.0, 3.0, 3.0, 1]
    assert table.loc["Standard 2.1 Assessment", cols].tolist() == [2.0, 2.0, 2.0, 2.0, 1]
    # 2.1.1: yos-00001 9 of 11 = 81.8%. yos-00002 (6 of 9 = 66.7%) is left out with its [c] cases;
    # with it in, lowest 66.7 and average 74.2 would give its percentage back. yos-00003 has 2
    # relevant cases, below 5, and was left out before.
    assert table.loc["Key question 2.1.1", cols].tolist() == [81.8, 81.8, 81.8, 81.8, 1]
    # 2.1.3: yos-00001 2 of 7 = 28.6% (yos-00002's 3 of 6 = 50% was the highest).
    assert table.loc["Key question 2.1.3", cols].tolist() == [28.6, 28.6, 28.6, 28.6, 1]
    assert strict.table("benchmarks").notes == ["benchmark", "benchmark_per_inspection"]


def test_the_spread_chart_has_no_dot_of_a_hidden_inspection(strict):
    # yos-00001's five key questions with at least 5 relevant cases: 9/11, 10/11, 2/7, 11/11, 5/11.
    assert set(strict.spread["inspection_id"]) == {"yos-00001"}
    assert [round(v, 1) for v in strict.spread["value"]] == [81.8, 90.9, 28.6, 100.0, 45.5]


def test_nothing_changes_when_per_inspection_suppression_is_off(frames, yos):
    plain = build_briefing(frames, yos, threshold=THRESHOLD, suppress_per_inspection=False, min_gap_pp=5)
    assert plain.table("inspections").frame["Cases"].tolist() == [12, 10, 3]
    table = plain.table("benchmarks").frame.set_index("Measure")
    assert table.loc["Overall score", ["Lowest", "Highest", "Average", "Inspections"]].tolist() == [17.0, 31.0, 24.3, 3]
    assert plain.table("benchmarks").notes == ["benchmark"]
    # 2.1.1 to 2.2.2 for yos-00001 and yos-00002; yos-00003 rests on 2 relevant cases each.
    assert plain.spread["inspection_id"].value_counts().to_dict() == {"yos-00001": 5, "yos-00002": 5}


@pytest.fixture
def headlines(frames):
    """cci-2009, whose inspections table shows headline percentages of relevant answers: answers
    outnumber cases, so a 3-case inspection's percentage can rest on more than 5 of them. A fourth
    inspection (20 cases) keeps two inspections in the benchmarks."""
    frames.framework = "cci-2009"
    frames.inspections = pd.concat(
        [
            frames.inspections,
            pd.DataFrame(
                [("cci-00004", "Dunmore YOS", date(2020, 2, 3), date(2020, 2, 7), 20)],
                columns=frames.inspections.columns,
            ),
        ],
        ignore_index=True,
    )
    frames.question_results = frames.question_results.iloc[0:0]
    frames.case_characteristics = frames.case_characteristics.iloc[0:0]
    frames.characteristic_results = frames.characteristic_results.iloc[0:0]
    frames.significance = frames.significance.iloc[0:0]
    frames.benchmark_values = pd.DataFrame(
        [
            ("headline", "safeguarding", "Safeguarding", 0, "yos-00001", 70.0, 60),
            ("headline", "safeguarding", "Safeguarding", 0, "yos-00002", 55.0, 50),
            ("headline", "safeguarding", "Safeguarding", 0, "yos-00003", 40.0, 15),
            ("headline", "safeguarding", "Safeguarding", 0, "cci-00004", 80.0, 100),
        ],
        columns=["item_kind", "item_id", "item_label", "item_order", "inspection_id", "value", "base"],
    )
    return frames


def test_a_hidden_inspections_headline_percentage_is_not_read_off_the_benchmarks(headlines):
    cci = load_frameworks()["cci-2009"]
    strict = build_briefing(headlines, cci, threshold=THRESHOLD, suppress_per_inspection=True, min_gap_pp=5)
    # 45 cases: yos-00003 (3) is below 5; yos-00002 (10), the smallest of the rest, is its complement.
    # Both show [c] for every percentage; the other headlines have no values: [x], except in a
    # hidden row, which is [c] throughout (as before for a small inspection).
    shown = strict.table("inspections").frame[["Inspection", "Cases", "Safeguarding %", "Risk of Harm to others %"]]
    assert shown.to_numpy().tolist() == [
        ["yos-00001", 12, 70.0, "[x]"],
        ["yos-00002", "[c]", "[c]", "[c]"],
        ["yos-00003", "[c]", "[c]", "[c]"],
        ["cci-00004", 20, 80.0, "[x]"],
    ]
    # yos-00003's 40% rests on 15 answers, enough to pass the benchmarks' own base rule; in the
    # benchmarks it was the lowest (40 to 80, average 61.2, 4 inspections). Now 70 and 80 only:
    # average and median (70 + 80) / 2 = 75.
    table = strict.table("benchmarks").frame.set_index("Measure")
    cols = ["Lowest", "Highest", "Average", "Median", "Inspections"]
    assert table.loc["Safeguarding score", cols].tolist() == [70.0, 80.0, 75.0, 75.0, 2]
    assert strict.spread[["inspection_id", "value"]].to_numpy().tolist() == [["cci-00004", 80.0], ["yos-00001", 70.0]]
