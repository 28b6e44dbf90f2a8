"""The briefing's numbers and sentences, from the crafted mart-shaped input of conftest.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.briefing.conftest import wilson as conftest_wilson
from yotbench.briefing.tables import build_briefing, published_note


def wilson(k: int, n: int) -> tuple[float, float]:
    low, high = conftest_wilson(k, n)
    return round(low, 1), round(high, 1)


@pytest.fixture
def briefing(frames, yos):
    return build_briefing(frames, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)


def rows(table) -> list[list]:
    return table.frame.to_numpy().tolist()


def test_headline(briefing):
    assert rows(briefing.table("headline")) == [
        ["Framework", "Youth offending services inspection (12 standards) (yos-2018)"],
        ["Period", "2019-04-01 to 2020-03-31"],
        ["Inspections", 3],
        ["Cases", 25],
    ]


def test_key_questions_pool_inspections_with_wilson_intervals(briefing):
    table = briefing.table("key_questions").frame.set_index("Question")
    cols = ["Relevant cases", "% yes", "95% CI lower", "95% CI upper", "In words"]
    # 2.1.1: 9 + 6 + 2 = 17 yes of 11 + 9 + 2 = 22 relevant.
    assert table.loc["2.1.1", cols].tolist() == [22, 77.3, *wilson(17, 22), "in around three-quarters of cases"]
    assert wilson(17, 22) == (56.6, 89.9)
    assert table.loc["2.1.2", cols].tolist() == [22, 90.9, *wilson(20, 22), "in nine out of ten cases"]
    assert table.loc["2.1.3", cols].tolist() == [15, 33.3, *wilson(5, 15), "in one-third of cases"]
    assert table.loc["2.2.1", cols].tolist() == [22, 100.0, *wilson(22, 22), "in all cases"]
    # 3.1.1 rests on 3 relevant cases: every figure is [c]; 2.3.1 has none at all: [x].
    assert table.loc["3.1.1", cols].tolist() == ["[c]"] * 5
    assert table.loc["2.3.1", cols].tolist() == ["[x]"] * 5
    assert len(table) == 23  # every key question of the framework, in framework order
    assert table.index[:4].tolist() == ["2.1.1", "2.1.2", "2.1.3", "2.2.1"]


def test_strengths_and_areas_for_improvement(briefing):
    assert briefing.strengths == [
        "In all cases (100% of 22), inspectors answered yes to \u201cDoes planning focus sufficiently on "
        "supporting the child's desistance?\u201d (2.2.1, Planning).",
        "In nine out of ten cases (91% of 22), inspectors answered yes to \u201cDoes assessment sufficiently "
        "analyse how to keep the child safe?\u201d (2.1.2, Assessment).",
    ]
    assert briefing.improvements == [
        "In two-thirds of cases (67% of 15), inspectors answered no to \u201cDoes assessment sufficiently "
        "analyse how to keep other people safe?\u201d (2.1.3, Assessment).",
        "In half of cases (50% of 22), inspectors answered no to \u201cDoes planning focus sufficiently on "
        "keeping the child safe?\u201d (2.2.2, Planning).",
    ]


def test_case_characteristics_primary_and_secondary_suppression(briefing):
    # Primary: female 5 is shown by the threshold, but other (2) is below it; female goes as its
    # complement. Ethnicity: black 3, asian 2, mixed 1, unknown 2 are below; ethnic group unknown 2
    # too, and minority ethnic (6) would give the three back from the subtotal. Looked after 8 is
    # the complement of unknown 2; age 10-14 of 18; court (22) = 25 - out of court (3); the court
    # and out-of-court totals would give custody and youth caution back, so they stay hidden. Groups
    # with no case are listed (as 0, so [c]): left out, they would say their count is 0.
    assert rows(briefing.table("case_characteristics")) == [
        ["Gender", "Male", 18, 72.0],
        ["Gender", "Female", "[c]", "[c]"],
        ["Gender", "Other", "[c]", "[c]"],
        ["Gender", "Unknown", "[c]", "[c]"],  # no case: listed as 0, so [c]
        ["Ethnicity", "White", 17, 68.0],
        ["Ethnicity", "Black", "[c]", "[c]"],
        ["Ethnicity", "Asian", "[c]", "[c]"],
        ["Ethnicity", "Mixed", "[c]", "[c]"],
        ["Ethnicity", "Other", "[c]", "[c]"],  # no case
        ["Ethnicity", "Unknown", "[c]", "[c]"],
        ["Ethnic group", "White", 17, 68.0],
        ["Ethnic group", "Minority ethnic", "[c]", "[c]"],
        ["Ethnic group", "Unknown", "[c]", "[c]"],
        ["Looked-after status", "Looked after", "[c]", "[c]"],
        ["Looked-after status", "Not looked after", 15, 60.0],
        ["Looked-after status", "Unknown", "[c]", "[c]"],
        ["Age", "10-14", "[c]", "[c]"],
        ["Age", "15-17", 16, 64.0],
        ["Age", "18", "[c]", "[c]"],
        ["Case type", "Court", "[c]", "[c]"],
        ["Case type", "Out of court", "[c]", "[c]"],
        ["Disposal", "Referral order", 10, 40.0],
        ["Disposal", "Youth rehabilitation order", 9, 36.0],
        ["Disposal", "Custody", "[c]", "[c]"],
        ["Disposal", "Youth conditional caution", "[c]", "[c]"],  # no case
        ["Disposal", "Youth caution", "[c]", "[c]"],
        ["Disposal", "Community resolution", "[c]", "[c]"],  # no case
        ["Disposal", "Other", "[c]", "[c]"],  # no case
    ]


def test_no_small_cell_is_shown_anywhere_in_the_case_characteristics(briefing):
    shown = [v for v in briefing.table("case_characteristics").frame["Cases"] if v != "[c]"]
    assert shown and min(shown) >= 5


def test_key_questions_by_group_suppressed_question_by_question(briefing):
    # 2.1.1 has 22 relevant cases: gender other (1) is below 5 and female (5) goes with it.
    # Looked after 7 + not 15 = 22: the 2 cases of unknown status (case characteristics) are
    # not among them. Left out, the row would say 0; shown, 0 is below 5, so it is [c] and
    # looked after (7, the smaller) goes with it.
    table = briefing.table("key_questions_by_group").frame
    assert table[["Group", "Relevant cases", "% yes"]].to_numpy().tolist() == [
        ["Male", 16, 68.8],
        ["Female", "[c]", "[c]"],
        ["Other", "[c]", "[c]"],
        ["Unknown", "[c]", "[c]"],  # no case of unknown gender: 0, so [c]
        ["Looked after", "[c]", "[c]"],
        ["Not looked after", 15, 86.7],
        ["Unknown", "[c]", "[c]"],
    ]


def test_significant_findings_in_words(briefing):
    assert briefing.findings == [
        "Female cases scored significantly higher than male cases on supporting the child's desistance "
        "(81% against 69%), 12 points; stratified by inspection (adjusted p 0.010 within inspections, 0.004 pooled).",
        "Female cases scored significantly higher than male cases on key question 2.1.1 \u201cDoes assessment "
        "sufficiently analyse how to support the child's desistance?\u201d (figures not shown: fewer than 5 cases "
        "in a group); stratified by inspection (adjusted p 0.040 within inspections, 0.030 pooled).",
        # Looked-after children (8 cases) are [c] in the case characteristics table, as the complement
        # of the 2 of unknown status: their share on a question would pin down how many they were.
        "Cases of children not looked after scored significantly higher than looked-after children's cases on key "
        "question 2.1.2 \u201cDoes assessment sufficiently analyse how to keep the child safe?\u201d (figures not "
        "shown: a group's count is suppressed in the tables); stratified by inspection (adjusted p 0.042 "
        "within inspections, 0.036 pooled).",
    ]
    assert briefing.no_difference == ["There were no statistically significant differences by ethnic group."]


def test_a_small_significant_gap_is_called_small(frames, yos):
    from yotbench.briefing.tables import finding_sentence

    row = frames.significance.set_index(["characteristic", "item_id"]).loc[("looked_after", "2.1.2")]
    row = row.to_dict() | {"characteristic": "looked_after", "item_id": "2.1.2"}
    assert finding_sentence(row, yos, 5, 5) == (
        "Cases of children not looked after scored significantly higher than looked-after children's cases on key "
        "question 2.1.2 \u201cDoes assessment sufficiently analyse how to keep the child safe?\u201d "
        "(80% against 77%), 3 points, a small difference (under 5 points); stratified by inspection (adjusted p 0.042 "
        "within inspections, 0.036 pooled)."
    )


def test_differences_table_hides_small_groups_and_small_counts_in_notes(briefing):
    table = briefing.table("differences")
    by_item = table.frame.set_index(["Characteristic", "Item"])
    assert by_item.loc[("Gender", "2.1.1"), ["Higher %", "Lower %", "Gap (points)", "Significant"]].tolist() == [
        "[c]",
        "[c]",
        "[c]",
        "Yes",
    ]
    assert by_item.loc[("Gender", "desistance"), ["Higher group", "Higher %", "Lower %", "Gap (points)"]].tolist() == [
        "Female",
        81.0,
        68.6,
        12.4,
    ]
    assert by_item.loc[("Gender", "desistance"), "Note"] == "left out: unknown"
    assert by_item.loc[("Looked-after status", "2.1.2"), "Note"] == "left out: unknown"
    assert by_item.loc[("Gender", "3.1.1"), ["Pooled test", "Pooled adjusted p"]].tolist() == ["none", "[x]"]
    # The HTML shows the significant rows only; the spreadsheets have all five.
    assert len(table.frame) == 5
    assert table.shown["Item"].tolist() == ["desistance", "2.1.1", "2.1.2"]
    assert "Note" not in table.shown.columns


def test_published_notes_carry_no_counts_of_cases():
    # Beside the tables' totals, "12 other" would give back a [c] cell: no count of cases is printed.
    assert published_note("left out: 3 unknown, 12 other") == "left out: unknown, other"
    assert published_note("fewer than 5 cases in female (2), male (4): no test") == (
        "fewer than 5 cases in female, male: no test"
    )
    assert published_note("left out: 11 unknown; smallest expected count 0.7 is below 5 in a 3 x 2 table: no test") == (
        "left out: unknown; smallest expected count is below 5 in a 3 x 2 table: no test"
    )
    # p-values, gaps and the rule's own numbers stay.
    kept = "left out: 4 unknown; significant, but the gap of 3.2 points is below the 5-point minimum"
    assert (
        published_note(kept) == "left out: unknown; significant, but the gap of 3.2 points is below the 5-point minimum"
    )
    # where the row's figures are not shown, its gap is not shown in the note either
    assert published_note(kept, figures_hidden=True) == (
        "left out: unknown; significant, but the gap is below the 5-point minimum"
    )


def test_benchmarks_lowest_highest_average(briefing):
    table = briefing.table("benchmarks").frame.set_index("Measure")
    cols = ["Lowest", "Highest", "Average", "Median", "Inspections"]
    assert table.loc["Overall score", cols].tolist() == [17.0, 31.0, 24.3, 25.0, 3]
    assert table.loc["Overall score", "Unit"] == "score out of 36"
    # yos-00003 has 2 relevant cases for 2.1.1: left out of lowest and highest. 9/11 and 6/9.
    assert table.loc["Key question 2.1.1", cols].tolist() == [66.7, 81.8, 74.2, 74.2, 2]
    assert table.loc["Standard 2.1 Assessment", cols].tolist() == [0.0, 2.0, 1.0, 1.0, 3]


def test_rating_distribution(briefing):
    table = briefing.table("ratings").frame.set_index("Standard")
    cols = ["Outstanding", "Good", "Requires improvement", "Inadequate", "Not rated"]
    assert table.loc["2.1 Assessment", cols].tolist() == [0, 1, 1, 1, 0]
    assert table.loc["1.1 Governance and leadership", cols].tolist() == [1, 1, 0, 0, 1]
    assert table.loc["Overall rating", cols].tolist() == [1, 1, 1, 0, 0]
    assert len(table) == 13  # 12 standards and the overall rating


def test_per_inspection_table_is_not_suppressed_unless_configured(frames, yos):
    plain = build_briefing(frames, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)
    assert plain.table("inspections").frame["Cases"].tolist() == [12, 10, 3]
    strict = build_briefing(frames, yos, threshold=5, suppress_per_inspection=True, min_gap_pp=5)
    # yos-00003 (3 cases) is below 5; yos-00002 goes too, or 25 (the headline) - 12 - 10 would give the 3 back.
    assert strict.table("inspections").frame["Cases"].tolist() == [12, "[c]", "[c]"]
    assert strict.table("inspections").frame["Final score"].tolist() == [25, 17, 31]


def test_threshold_is_configurable(frames, yos):
    loose = build_briefing(frames, yos, threshold=2, suppress_per_inspection=False, min_gap_pp=5)
    gender = loose.table("case_characteristics").frame.head(4)
    # other (2) is shown by a threshold of 2; unknown (no case) is not, and other goes as its
    # complement: otherwise 25 - 18 - 5 - 2 would give the 0 back
    assert gender["Cases"].tolist() == [18, 5, "[c]", "[c]"]
    kq = loose.table("key_questions").frame.set_index("Question")
    assert kq.loc["3.1.1", ["Relevant cases", "% yes"]].tolist() == [3, 66.7]


def test_gap_chart_data_signs_gaps_one_way(briefing):
    assert briefing.gaps.to_dict("records") == [
        {
            "item": "supporting the child's desistance",
            "characteristic": "gender",
            "signed_gap": 12.4,
            "significant": True,
        },
        {
            "item": "supporting the child's desistance",
            "characteristic": "ethnic_group",
            "signed_gap": -1.5,
            "significant": False,
        },
    ]


def test_no_significance_rows(frames, yos):
    frames.significance = frames.significance.iloc[0:0]
    empty = build_briefing(frames, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)
    assert (empty.findings, empty.no_difference) == ([], [])
    assert empty.table("differences").frame.empty
    assert empty.gaps.empty


def test_every_table_has_no_missing_cells(briefing):
    for table in briefing.tables:
        assert not table.frame.isna().any().any(), table.name
        assert not (table.frame.map(lambda v: isinstance(v, str) and not v.strip())).any().any(), table.name
        assert isinstance(table.frame, pd.DataFrame)


def test_a_test_across_several_groups_is_worded_as_a_difference_not_a_ranking(yos):
    from yotbench.briefing.tables import finding_sentence

    row = {
        "characteristic": "ethnicity",
        "scope": "area",
        "item_id": "child_safety",
        "level": None,
        "groups_compared": "white vs black vs asian vs mixed vs other",
        "test": "chi2",
        "gap_pp": 14.2,
        "higher_group": "asian",
        "lower_group": "mixed",
        "higher_pct": 74.0,
        "lower_pct": 59.8,
        "higher_n": 60,
        "lower_n": 70,
        "p_adjusted": 0.0004,
        "p_stratified_adjusted": 0.02,
        "below_min_gap": False,
    }
    assert finding_sentence(row, yos, 5, 5) == (
        "Results differed significantly by ethnicity (five groups) on keeping the child safe: highest for cases of "
        "Asian children, lowest for cases of children of mixed ethnicity (74% against 60%), 14 points apart; stratified by "
        "inspection (adjusted p 0.020 within inspections, < 0.001 pooled)."
    )


def test_no_difference_says_how_much_could_be_tested(frames, yos):
    from yotbench.briefing.tables import differences

    rows = frames.significance
    # ethnic group: one comparison of two could be tested; case type: none could.
    ethnic = rows[rows["characteristic"] == "ethnic_group"].iloc[:1]
    untested = ethnic.assign(test="none", p_value=np.nan, p_adjusted=np.nan, significant=False)
    case_type = untested.assign(characteristic="case_type")
    two = pd.concat([ethnic.assign(significant=False), untested, case_type], ignore_index=True)
    _, none = differences(two, yos, min_gap_pp=5, threshold=5)
    assert none == [
        "There were no statistically significant differences by ethnic group (1 of the 2 comparisons could be tested).",
        "No difference by case type could be tested: too few cases in its groups, or only one group.",
    ]


def test_per_inspection_table_marks_an_inspection_without_a_rating_not_available(frames, yos):
    from dataclasses import replace

    ratings = frames.inspection_ratings
    lacking = replace(frames, inspection_ratings=ratings[ratings["inspection_id"] != "yos-00002"])
    table = build_briefing(lacking, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5).table("inspections")
    assert table.frame["Inspection"].tolist() == ["yos-00001", "yos-00002", "yos-00003"]
    assert table.frame["Final score"].tolist() == [25, "[x]", 31]
    assert table.frame["Final rating"].tolist() == ["Good", "[x]", "Outstanding"]


def test_highlights_word_the_exact_share_answered_yes_or_no():
    from yotbench.briefing.tables import highlights

    def frame(yes: int, relevant: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "question_id": ["1.1", "1.2"],
                "standard": ["S", "S"],
                "text": ["A?", "B?"],
                "relevant_cases": [relevant, 20],
                "yes_cases": [yes, 20],
                "pct": [100 * yes / relevant, 100.0],
                "suppressed": [False, False],
            }
        )

    # 17 of 24 yes: the 7 of 24 answered no are 29 1/6%, exactly half-way between one-quarter and
    # one-third, which takes the lower; 100 - 100 * 17 / 24 in floats would have said "nearly one-third"
    strengths, improvements = highlights(frame(17, 24), n=1)
    assert improvements == [
        "In over one-quarter of cases (29% of 24), inspectors answered no to \u201cA?\u201d (1.1, S)."
    ]
    assert strengths == ["In all cases (100% of 20), inspectors answered yes to \u201cB?\u201d (1.2, S)."]
    # 148 of 480 no: 30 5/6%, exactly 2.5 points under one-third, is "around"
    _, improvements = highlights(frame(332, 480), n=1)
    assert improvements[0].startswith("In around one-third of cases (31% of 480)")
