"""Disclosure control across the briefing's tables: the counts a reader could put together.

Built on the crafted briefing input (tests/briefing/conftest.py), with its gender figures
replaced by a programme where a court key question (2.1.1) and an out-of-court one (3.1.1)
between them cover every case, as they do in the 12-standard framework.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yotbench.briefing.tables import build_briefing

# 39 cases: 30 court, 9 out of court. Gender of all cases, and of the relevant cases of each question.
CASES = {"male": 20, "female": 10, "other": 9}
COURT = {"male": 14, "female": 10, "other": 6}  # 2.1.1
OUT_OF_COURT = {"male": 6, "female": 0, "other": 3}  # 3.1.1; no female case, so no mart row


@pytest.fixture
def partitioned(frames):
    frames.inspections = frames.inspections.assign(cases=[20, 10, 9])
    results = frames.question_results.set_index("question_id")
    results.loc["2.1.1", ["relevant_cases", "yes_cases", "pct_yes"]] = [30, 21, 70.0]
    results.loc["3.1.1", ["relevant_cases", "yes_cases", "pct_yes"]] = [9, 6, 200 / 3]
    frames.question_results = results.reset_index()
    frames.case_characteristics = pd.DataFrame(
        [("gender", g, n) for g, n in CASES.items()], columns=["characteristic", "group_value", "cases"]
    )
    rows = [("2.1.1", "gender", g, n, n // 2) for g, n in COURT.items()]
    rows += [("3.1.1", "gender", g, n, n // 2) for g, n in OUT_OF_COURT.items() if n]
    frames.characteristic_results = pd.DataFrame(
        rows, columns=["question_id", "characteristic", "group_value", "relevant_cases", "yes_cases"]
    )
    significance = frames.significance.iloc[:1].copy()
    significance[["scope", "item_id", "level", "groups_compared"]] = [
        "question",
        "2.1.1",
        "key_question",
        "male vs female",
    ]
    significance[["higher_group", "lower_group", "higher_pct", "lower_pct", "gap_pp"]] = [
        "female",
        "male",
        50.0,
        33.3,
        16.7,
    ]
    significance[["higher_n", "lower_n", "note"]] = [10, 14, "left out: 11 unknown"]
    frames.significance = significance
    return frames


def _published(briefing) -> tuple[dict, dict]:
    """Cells of the case characteristics and key questions by group tables: value, or None for [c]."""
    cases = briefing.table("case_characteristics").frame
    by_group = briefing.table("key_questions_by_group").frame

    def value(v):
        return None if v == "[c]" else int(v)

    table3 = {g.lower(): value(n) for g, n in zip(cases["Group"], cases["Cases"], strict=True)}
    table4 = {(q, g.lower()): value(n) for q, g, n in by_group[["Question", "Group", "Relevant cases"]].to_numpy()}
    return table3, table4


def _determined(table3: dict, table4: dict) -> list:
    """Hidden cells a reader can work out: the unknowns of the equations the published figures obey
    (each table's groups add up to its published total; court and out-of-court add up to all cases),
    solved independently of yotbench's own suppression code."""
    unknowns = [("cases", g) for g, v in table3.items() if v is None]
    unknowns += [k for k, v in table4.items() if v is None]
    index = {u: i for i, u in enumerate(unknowns)}
    rows, rhs = [], []

    def equation(cells: list, total: int) -> None:
        row = np.zeros(len(unknowns))
        known = 0
        for cell, value in cells:
            if value is None:
                row[index[cell]] += 1
            else:
                known += value
        rows.append(row)
        rhs.append(total - known)

    equation([(("cases", g), v) for g, v in table3.items()], 39)
    for q, total in (("2.1.1", 30), ("3.1.1", 9)):
        equation([((q, g), v) for (qq, g), v in table4.items() if qq == q], total)
    for g in table3:  # all cases = court + out of court, group by group
        row = np.zeros(len(unknowns))
        known = 0
        for cell, sign in ((("cases", g), -1), (("2.1.1", g), 1), (("3.1.1", g), 1)):
            published = table3[g] if cell[0] == "cases" else table4[cell]
            if published is None:
                row[index[cell]] += sign
            else:
                known += sign * published
        rows.append(row)
        rhs.append(-known)
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    found = []
    for u, i in index.items():
        unit = np.zeros(len(unknowns))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(u)
    return found


def test_court_and_out_of_court_questions_cannot_be_subtracted_from_the_case_characteristics(partitioned, yos):
    briefing = build_briefing(partitioned, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)
    table3, table4 = _published(briefing)
    # Out of court, female 0 and other 3 are below 5. Before, 3.1.1 had no female row (it read as 0)
    # and 9 - 6 = 3 other cases came straight from the two tables.
    assert table4[("3.1.1", "female")] is None
    assert table4[("3.1.1", "other")] is None
    assert _determined(table3, table4) == []
    # What is published is true.
    for g, n in CASES.items():
        assert table3[g] in (None, n)
    for g, n in COURT.items():
        assert table4[("2.1.1", g)] in (None, n)
    # 3.1.1's two small cells add up to 9 - 6 = 3 cases, under 5: that says each is at most 3 and,
    # beside 3.1.1's % yes, how those three children were answered. So 3.1.1's male goes too. No case
    # is of unknown gender: that group is listed, as 0 and so [c], in both tables, and its complements
    # go with it (other in the case characteristics; male and female in 2.1.1). Nothing hidden can be
    # worked out (above), and what is hidden in each table adds up to at least 5 cases.
    hidden = sorted(k for k, v in table4.items() if v is None)
    assert hidden == [("2.1.1", "female"), ("2.1.1", "male"), ("2.1.1", "unknown")] + [
        ("3.1.1", g) for g in ("female", "male", "other", "unknown")
    ]
    assert table3 == {"male": 20, "female": 10, "other": None, "unknown": None}


def test_a_share_of_a_hidden_group_is_not_printed(partitioned, yos):
    # 2.1.1: female (10 cases, not small) is [c] in the key questions by group table as a complement;
    # its 50% would say 5 of an even number of cases up to 16. So the comparison's figures are [c].
    briefing = build_briefing(partitioned, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)
    row = briefing.table("differences").frame.iloc[0]
    assert row[["Item", "Higher group", "Higher %", "Lower %", "Gap (points)"]].tolist() == [
        "2.1.1",
        "[c]",
        "[c]",
        "[c]",
        "[c]",
    ]
    assert row["Note"] == "left out: unknown"
    assert "(figures not shown: a group's count is suppressed in the tables)" in briefing.findings[0]
    assert briefing.gaps.empty


def test_the_same_comparison_is_printed_when_its_groups_are_shown(partitioned, yos):
    # Without 3.1.1's small cells, male and female of 2.1.1 need no hiding, and the figures are printed
    # (only unknown, 0 cases, and other, its complement, are [c]).
    cr = partitioned.characteristic_results
    partitioned.characteristic_results = cr[cr["question_id"] == "2.1.1"]
    briefing = build_briefing(partitioned, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)
    _, table4 = _published(briefing)
    assert table4 == {
        ("2.1.1", "male"): 14,
        ("2.1.1", "female"): 10,
        ("2.1.1", "other"): None,
        ("2.1.1", "unknown"): None,
    }
    row = briefing.table("differences").frame.iloc[0]
    assert row[["Higher group", "Higher %", "Lower %", "Gap (points)"]].tolist() == ["Female", 50.0, 33.3, 16.7]
    assert "16.7 points" not in briefing.findings[0] and "(50% against 33%), 17 points" in briefing.findings[0]


def test_a_hidden_comparison_note_does_not_give_its_gap(partitioned, yos):
    # With a 20-point minimum, gaps notes 2.1.1's 16.7-point gap as below it; the figures are [c], and
    # beside the lower group's share the gap would give the hidden female 50%.
    partitioned.significance["note"] = (
        "left out: 11 unknown; significant, but the gap of 16.7 points is below the 20-point minimum"
    )
    briefing = build_briefing(partitioned, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=20)
    row = briefing.table("differences").frame.iloc[0]
    assert row["Gap (points)"] == "[c]"
    assert row["Note"] == "left out: unknown; significant, but the gap is below the 20-point minimum"
