"""significance() on small tables whose results are known from textbooks or worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.gaps.crafted import one_question, per_case, row
from yotbench.gaps import COLUMNS, GapsInputError, benjamini_hochberg, significance


def pearson(table: list[list[int]]) -> float:
    """X^2 = sum (O - E)^2 / E, written out."""
    t = np.array(table, dtype=float)
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    return float(((t - expected) ** 2 / expected).sum())


def test_columns_are_the_contract_of_marts_significance():
    result = significance(one_question({("ins-1", "male"): (30, 10), ("ins-1", "female"): (10, 30)}))
    assert list(result.columns) == list(COLUMNS)
    for column in (
        "framework",
        "scope",
        "item_id",
        "characteristic",
        "groups_compared",
        "test",
        "statistic",
        "dof",
        "p_value",
        "p_adjusted",
        "effect_size",
        "effect_measure",
        "gap_pp",
        "higher_group",
        "lower_group",
        "significant",
        "n_cases",
        "note",
    ):
        assert column in result.columns
    assert "case_key" not in result.columns


def test_three_groups_chi_square_matches_agresti_table_2_5():
    # Agresti, An Introduction to Categorical Data Analysis (2007), table 2.5: X^2 = 30.07, df = 2.
    counts = {("ins-1", "10-14"): (762, 484), ("ins-1", "15-17"): (327, 239), ("ins-1", "18"): (468, 477)}
    got = row(significance(one_question(counts, column="age_band")), "age_band")
    x2 = pearson([[762, 484], [327, 239], [468, 477]])
    assert round(x2, 2) == 30.07
    assert (got["test"], got["dof"], got["groups_compared"]) == ("chi2", 2, "10-14 vs 15-17 vs 18")
    assert got["statistic"] == pytest.approx(x2, rel=1e-10)
    assert got["p_value"] == pytest.approx(stats.chi2.sf(x2, 2), rel=1e-8)
    assert got["effect_measure"] == "cramers_v"
    assert got["effect_size"] == pytest.approx(np.sqrt(x2 / 2757), rel=1e-10)
    assert (got["higher_group"], got["lower_group"]) == ("10-14", "18")
    assert got["gap_pp"] == pytest.approx(100 * (762 / 1246 - 468 / 945))
    assert (got["higher_n"], got["lower_n"], got["n_cases"]) == (1246, 945, 2757)
    # one inspection: the generalised CMH statistic is (n - 1) / n times Pearson's
    assert got["stratified_test"] == "cmh_general"
    assert got["stratified_statistic"] == pytest.approx(x2 * 2756 / 2757, rel=1e-10)


def test_chi_square_has_no_continuity_correction_and_small_significant_gaps_are_noted():
    # Physicians' Health Study (Agresti 2007, section 2.4): X^2 = 25.01 without Yates' correction (24.43 with).
    counts = {("ins-1", "male"): (189, 10845), ("ins-1", "female"): (104, 10933)}
    got = row(significance(one_question(counts)), "gender")
    assert got["test"] == "chi2"
    assert got["statistic"] == pytest.approx(25.0139, abs=5e-5)
    assert got["effect_measure"] == "risk_difference"
    assert got["effect_size"] == pytest.approx(189 / 11034 - 104 / 11037)
    assert got["gap_pp"] == pytest.approx(100 * (189 / 11034 - 104 / 11037))
    assert got["significant"]
    assert got["below_min_gap"]
    assert "the gap of 0.8 points is below the 5-point minimum" in got["note"]


def test_two_by_two_with_small_expected_counts_switches_to_fisher():
    # Fisher's tea-tasting table: two-sided p = 34/70.
    got = row(significance(one_question({("ins-1", "male"): (3, 1), ("ins-1", "female"): (1, 3)})), "gender")
    assert (got["test"], got["min_expected"]) == ("fisher", 2.0)
    assert got["p_value"] == pytest.approx(34 / 70, rel=1e-12)
    assert got["statistic"] == pytest.approx(9.0)  # the sample odds ratio
    assert pd.isna(got["dof"])
    assert "smallest expected count 2.0 is below 5: Fisher's exact test" in got["note"]


def test_expected_counts_of_exactly_five_keep_chi_square_and_just_below_switch():
    at_five = row(significance(one_question({("i", "male"): (7, 3), ("i", "female"): (3, 7)})), "gender")
    assert (at_five["test"], at_five["min_expected"]) == ("chi2", 5.0)
    assert at_five["statistic"] == pytest.approx(3.2)  # four cells of (2^2 / 5)
    below = row(significance(one_question({("i", "male"): (7, 3), ("i", "female"): (3, 6)})), "gender")
    assert below["test"] == "fisher"
    assert below["min_expected"] == pytest.approx(81 / 19)


def test_more_than_two_groups_with_small_expected_counts_get_no_test_but_a_direction():
    counts = {("i", "white"): (40, 10), ("i", "black"): (3, 2), ("i", "asian"): (4, 0)}
    got = row(significance(one_question(counts, column="ethnicity")), "ethnicity")
    assert (got["test"], got["stratified_test"], got["significant"]) == ("none", "none", False)
    assert pd.isna(got["p_value"]) and pd.isna(got["p_adjusted"])
    assert "in a 3 x 2 table: no test" in got["note"]
    assert (got["higher_group"], got["lower_group"]) == ("asian", "black")
    assert got["gap_pp"] == pytest.approx(40.0)


def test_all_yes_question_yields_none_with_a_note():
    got = row(significance(one_question({("i", "male"): (20, 0), ("i", "female"): (12, 0)})), "gender")
    assert (got["test"], got["significant"], got["gap_pp"]) == ("none", False, 0.0)
    assert pd.isna(got["p_value"]) and pd.isna(got["higher_group"])
    assert got["note"] == "every relevant case answered yes: no difference to test"


def test_unknown_and_other_are_left_out_and_counted_and_na_is_not_relevant():
    counts = {("i", "male"): (30, 10), ("i", "female"): (10, 30), ("i", "unknown"): (5, 5), ("i", "other"): (1, 0)}
    got = row(significance(one_question(counts, na=3)), "gender")
    assert (got["n_cases"], got["n_excluded"], got["groups_compared"]) == (80, 11, "male vs female")
    assert got["note"].startswith("left out: 10 unknown, 1 other")
    assert got["statistic"] == pytest.approx(20.0)  # every expected count 20: 4 * 10^2 / 20


def test_characteristic_with_one_known_group_is_not_tested():
    result = significance(one_question({("i", "male"): (5, 5), ("i", "female"): (4, 6)}))
    got = row(result, "looked_after")  # every case unknown
    assert (got["test"], got["n_cases"], got["n_excluded"]) == ("none", 0, 20)
    assert got["note"] == "left out: 20 unknown; no cases with a known value in scope: nothing to compare"


def test_benjamini_hochberg_matches_a_hand_worked_example():
    # sorted: 0.005, 0.01, 0.03, 0.04 -> 0.005*4/1 = 0.02, 0.01*4/2 = 0.02, 0.03*4/3 = 0.04, 0.04*4/4 = 0.04
    p = pd.Series([0.01, 0.04, 0.03, 0.005, np.nan])
    adjusted = benjamini_hochberg(p)
    assert adjusted.iloc[:4].tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert np.isnan(adjusted.iloc[4])


def test_adjustment_runs_within_each_framework_and_characteristic():
    frames = [
        one_question({("i", "male"): (30 + d, 20), ("i", "female"): (20, 30)}, question_id=f"2.1.{q}")
        for q, d in ((1, 0), (2, 4), (3, 8))
    ]
    frames.append(one_question({("i", "male"): (30, 20), ("i", "female"): (20, 30)}, framework="cci-2009"))
    result = significance(pd.concat(frames, ignore_index=True))
    for (framework, characteristic), family in result.groupby(["framework", "characteristic"]):
        tested = family.dropna(subset=["p_value"]).sort_values("p_value")
        m = len(tested)
        if characteristic != "gender":
            assert m == 0
            continue
        # step-up by hand: min over j >= i of p_(j) * m / j
        by_hand = [min(tested["p_value"].iloc[j] * m / (j + 1) for j in range(i, m)) for i in range(m)]
        assert tested["p_adjusted"].tolist() == pytest.approx(by_hand, rel=1e-12)
        assert m == (5 if framework == "sqs-2012" else 3)  # questions + standard 2.1 + area desistance


def test_confounded_gap_is_significant_pooled_but_not_within_inspections_berkeley():
    # UC Berkeley admissions with departments as inspections (Simpson's paradox): pooled,
    # men are admitted more (X^2 = 92.21); within departments there is no gap (CMH 1.52, p = 0.22).
    departments = {
        "A": ((512, 313), (89, 19)),
        "B": ((353, 207), (17, 8)),
        "C": ((120, 205), (202, 391)),
        "D": ((138, 279), (131, 244)),
        "E": ((53, 138), (94, 299)),
        "F": ((22, 351), (24, 317)),
    }
    counts = {}
    for dept, (men, women) in departments.items():
        counts[(dept, "male")], counts[(dept, "female")] = men, women
    got = row(significance(one_question(counts)), "gender")
    assert got["test"] == "chi2"
    assert got["statistic"] == pytest.approx(pearson([[1198, 1493], [557, 1278]]), rel=1e-10)
    assert round(got["statistic"], 2) == 92.21
    assert got["p_adjusted"] < 1e-15
    assert (got["higher_group"], got["stratified_higher_group"]) == ("male", "female")
    assert (got["stratified_test"], got["n_strata"]) == ("cmh", 6)
    assert got["stratified_statistic"] == pytest.approx(1.52461, abs=5e-6)
    assert got["p_stratified"] == pytest.approx(0.216924, abs=5e-6)
    assert not got["significant"]
    assert "significant pooled but not within inspections" in got["note"]
    assert "the gap lies mostly between services, not flagged" in got["note"]


def test_a_gap_as_large_within_inspections_but_not_significant_there_is_not_put_between_services():
    # The same 20-point gap (60% against 80%) in both inspections; each inspection has only ten cases
    # of one of the two groups, so the stratified test has too little to confirm it, while pooled
    # (210 cases each) it is clear. The gap is not between services: the note must not say so.
    counts = {
        ("A", "male"): (120, 80),
        ("A", "female"): (8, 2),
        ("B", "male"): (6, 4),
        ("B", "female"): (160, 40),
    }
    got = row(significance(one_question(counts)), "gender")
    assert (got["higher_group"], got["gap_pp"]) == ("female", pytest.approx(20.0))
    assert (got["stratified_higher_group"], got["stratified_gap_pp"]) == ("female", pytest.approx(20.0))
    assert got["p_adjusted"] < 0.001 < 0.05 < got["p_stratified_adjusted"]
    assert not got["significant"]
    assert got["note"] == (
        f"significant pooled but not within inspections (stratified adjusted p {got['p_stratified_adjusted']:.2g}): "
        "within inspections the gap is at least half as large, but not significant, not flagged"
    )


def test_exact_stratified_test_when_mantel_fleiss_fails_rabbits():
    # R's mantelhaen.test(Rabbits, exact = TRUE): p = 0.040; the two strata with a zero margin are dropped.
    strata = [((0, 6), (0, 5)), ((3, 3), (0, 6)), ((6, 0), (2, 4)), ((5, 1), (6, 0)), ((2, 0), (5, 0))]
    counts = {}
    for level, (at_once, late) in enumerate(strata):
        counts[(f"level-{level}", "yes")], counts[(f"level-{level}", "no")] = at_once, late
    got = row(significance(one_question(counts, column="looked_after")), "looked_after")
    assert got["test"] == "chi2"  # pooled 16/10 vs 13/15: every expected count >= 12
    assert (got["stratified_test"], got["n_strata"]) == ("cmh_exact", 3)
    assert got["p_stratified"] == pytest.approx(0.0399449, abs=1e-7)
    assert "Mantel-Fleiss criterion" in got["note"]


def test_standard_and_area_rows_compare_case_scores_of_key_questions():
    # score = share of a case's relevant key questions answered yes; prompts and na do not count.
    def case(first, second):
        return {"2.1.1": first, "2.1.2": second, "2.1.1.a": "yes"}

    female = [case("yes", "yes"), case("yes", "na"), case("yes", "yes"), case("yes", "no"), case("no", "yes")]
    male = [case("no", "no"), case("no", "na"), case("yes", "no"), case("no", "yes"), case("yes", "yes")]
    nothing = [("male", {"2.1.1": "na", "2.1.2": "na", "2.1.1.a": "yes"})]
    frame = per_case([("female", c) for c in female] + [("male", c) for c in male] + nothing)
    frame.loc[frame["case_key"].isin(["case-3", "case-4"]), "ethnic_group"] = "minority_ethnic"
    frame.loc[~frame["case_key"].isin(["case-3", "case-4"]), "ethnic_group"] = "white"
    result = significance(frame)
    for scope, item in (("standard", "2.1"), ("area", "desistance")):
        got = row(result, "gender", scope, item)
        assert (got["test"], got["n_cases"], got["effect_measure"]) == ("mann_whitney", 10, "mean_difference")
        # female scores 1, 1, 1, .5, .5 (mean .8); male 0, 0, .5, .5, 1 (mean .4)
        assert (got["higher_pct"], got["lower_pct"], got["gap_pp"]) == pytest.approx((80.0, 40.0, 40.0))
        assert got["statistic"] == pytest.approx(5.5)  # U of male, the first group listed, counted by hand
        # one inspection: (n - 1) * SS_between / SS_total = 9 * 0.4 / 1.4
        assert got["stratified_test"] == "cmh_mean_score"
        assert got["stratified_statistic"] == pytest.approx(18 / 7)
        few = row(result, "ethnic_group", scope, item)
        assert (few["test"], few["note"]) == ("none", "fewer than 5 cases in minority_ethnic (2): no test")


def test_missing_columns_are_named():
    frame = one_question({("i", "male"): (1, 1)}).drop(columns=["looked_after", "age_band"])
    with pytest.raises(GapsInputError, match="lack column\\(s\\) looked_after, age_band"):
        significance(frame)


def test_empty_answers_give_an_empty_table_with_the_columns():
    result = significance(one_question({}).reindex(columns=one_question({("i", "male"): (1, 0)}).columns))
    assert result.empty
    assert list(result.columns) == list(COLUMNS)


def test_case_scores_keep_cases_of_different_inspections_apart():
    # case_key is a surrogate within an inspection: case 0 of ins-1 is not case 0 of ins-2
    first = per_case([("female", {"2.1.1": "yes"})] * 5 + [("male", {"2.1.1": "no"})] * 5, inspection="ins-1")
    second = per_case([("female", {"2.1.1": "no"})] * 5 + [("male", {"2.1.1": "yes"})] * 5, inspection="ins-2")
    got = row(significance(pd.concat([first, second], ignore_index=True)), "gender", "standard", "2.1")
    assert (got["n_cases"], got["higher_pct"], got["lower_pct"], got["n_strata"]) == (20, 50.0, 50.0, 2)


def test_a_disagreement_with_equal_pooled_means_is_not_written_as_pooled_none():
    from yotbench.gaps import _decide

    # Mann-Whitney can find a difference where the means are equal: pooled there is no higher group.
    row = {c: None for c in COLUMNS} | {
        "framework": "yos-2018",
        "scope": "standard",
        "item_id": "2.1",
        "characteristic": "gender",
        "groups_compared": "male vs female",
        "test": "mann_whitney",
        "stratified_test": "cmh_mean_score",
        "p_value": 0.001,
        "p_stratified": 0.002,
        "gap_pp": 0.0,
        "stratified_higher_group": "female",
        "stratified_gap_pp": 4.0,
        "note": "",
    }
    decided = _decide(pd.DataFrame([row], columns=list(COLUMNS)), 0.05, 5.0).iloc[0]
    assert not decided["significant"]
    assert decided["note"] == "within inspections female is higher, pooled neither group is higher: not flagged"
