"""yotbench.stats.stratified against textbook values and independent computations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from yotbench.stats.stratified import (
    cmh_test,
    exact_conditional_test,
    mantel_fleiss,
    mantel_haenszel_difference,
    mean_score_test,
    stratum_sums,
    tables_2x2,
    tables_of,
    within_stratum_deviation,
    yes_no_sums,
)

# R's mantelhaen.test example (Agresti 1990, pp. 231-237): penicillin given at once or
# 1.5 hours late; rows None / 1.5h, columns Cured / Died, one table per penicillin level.
RABBITS = np.stack(
    [
        np.array(t)
        for t in (
            [[0, 6], [0, 5]],
            [[3, 3], [0, 6]],
            [[6, 0], [2, 4]],
            [[5, 1], [6, 0]],
            [[2, 0], [5, 0]],
        )
    ],
    axis=2,
)


def cases_from_tables(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Case-level arrays (y, group, stratum) for 2 x 2 x K tables with columns yes, no."""
    y, g, s = [], [], []
    for k in range(tables.shape[2]):
        for group in (0, 1):
            for answer, count in ((1, tables[group, 0, k]), (0, tables[group, 1, k])):
                y += [answer] * count
                g += [group] * count
                s += [k] * count
    return np.array(y, dtype=float), np.array(g), np.array(s)


def test_exact_conditional_test_matches_r_documentation_for_rabbits():
    # R: mantelhaen.test(Rabbits, exact = TRUE) gives S = 16, "p - 0.040" (p = 0.03994).
    # Our tables drop the two strata with a zero margin, which hold 0 + 2 of S.
    y, g, s = cases_from_tables(RABBITS)
    kept = tables_2x2(y, g, s)
    assert kept.shape[2] == 3
    statistic, pvalue = exact_conditional_test(kept)
    assert statistic == 14
    assert pvalue == pytest.approx(0.0399449, abs=1e-7)
    assert exact_conditional_test(RABBITS) == (16, pytest.approx(pvalue, rel=1e-12))


def test_exact_conditional_test_equals_enumeration_of_all_tables():
    tables = np.stack([np.array([[3, 2], [1, 4]]), np.array([[2, 2], [0, 3]]), np.array([[4, 1], [2, 2]])], axis=2)
    margins = [(t.sum(axis=1), t.sum(axis=0)) for t in np.moveaxis(tables, 2, 0)]
    ranges = [range(max(0, r[0] - c[1]), min(r[0], c[0]) + 1) for r, c in margins]

    def probability(cells):
        return np.prod([stats.hypergeom.pmf(a, r.sum(), c[0], r[0]) for a, (r, c) in zip(cells, margins, strict=True)])

    totals: dict[int, float] = {}
    for cells in itertools.product(*ranges):
        totals[sum(cells)] = totals.get(sum(cells), 0.0) + probability(cells)
    observed = totals[int(tables[0, 0].sum())]
    expected = sum(p for p in totals.values() if p <= observed * (1 + 1e-7))
    assert exact_conditional_test(tables)[1] == pytest.approx(expected, rel=1e-12)


def test_exact_conditional_test_of_one_table_is_fishers_test():
    table = np.array([[7, 2], [3, 9]])
    assert exact_conditional_test(table[:, :, None])[1] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)


def test_mantel_fleiss_for_rabbits_is_four():
    # sum E[a] = 12.0 over the five strata; a ranges over 8..20 in total: min(12 - 8, 20 - 12) = 4.
    assert mantel_fleiss(RABBITS) == pytest.approx(4.0)


def test_cmh_test_switches_to_exact_when_mantel_fleiss_fails():
    result = cmh_test(tables_2x2(*cases_from_tables(RABBITS)))
    assert (result.test, result.n_strata) == ("cmh_exact", 3)
    assert result.pvalue == pytest.approx(0.0399449, abs=1e-7)


def test_cmh_test_without_correction_matches_the_textbook_formula_on_berkeley_admissions():
    # UC Berkeley admissions, departments A-F; rows male / female, columns admitted / rejected.
    tables = np.stack(
        [
            np.array(t)
            for t in (
                [[512, 313], [89, 19]],
                [[353, 207], [17, 8]],
                [[120, 205], [202, 391]],
                [[138, 279], [131, 244]],
                [[53, 138], [94, 299]],
                [[22, 351], [24, 317]],
            )
        ],
        axis=2,
    )
    a = tables[0, 0]
    n = tables.sum(axis=(0, 1))
    rows, cols = tables.sum(axis=1), tables.sum(axis=0)
    expected = rows[0] * cols[0] / n
    variance = rows[0] * rows[1] * cols[0] * cols[1] / (n**2 * (n - 1))
    delta = abs((a - expected).sum())
    # with Yates' correction this is R's documented mantelhaen.test(UCBAdmissions): 1.4269, p = 0.2323
    assert (delta - 0.5) ** 2 / variance.sum() == pytest.approx(1.4269, abs=5e-5)
    result = cmh_test(tables_2x2(*cases_from_tables(tables)))
    assert result.test == "cmh"
    assert result.statistic == pytest.approx(delta**2 / variance.sum(), rel=1e-10)
    assert result.statistic == pytest.approx(1.52461, abs=5e-6)
    assert result.pvalue == pytest.approx(stats.chi2.sf(delta**2 / variance.sum(), 1), rel=1e-10)


def test_mean_score_test_with_two_groups_and_yes_no_is_the_cmh_test_of_statsmodels():
    rng = np.random.default_rng(7)
    s = rng.integers(0, 15, 600)
    g = rng.integers(0, 2, 600)
    y = (rng.random(600) < 0.4 + 0.15 * g + 0.02 * s).astype(float)
    ours = mean_score_test(stratum_sums(y, g, s, 2))
    theirs = StratifiedTable(tables_2x2(y, g, s)).test_null_odds(correction=False)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-10)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-8)
    assert ours.dof == 1


def test_mean_score_test_in_one_stratum_is_pearson_chi_square_times_n_minus_1_over_n():
    # Agresti (2007) table 2.5: X^2 = 30.07 on 2 df; here the three rows are the groups.
    counts = {0: (762, 484), 1: (327, 239), 2: (468, 477)}
    y = np.concatenate([[1.0] * yes + [0.0] * no for yes, no in counts.values()])
    g = np.concatenate([[k] * (yes + no) for k, (yes, no) in counts.items()])
    result = mean_score_test(stratum_sums(y, g, np.zeros(len(y), dtype=int), 3))
    n = len(y)
    assert result.dof == 2
    assert result.statistic == pytest.approx(30.0701 * (n - 1) / n, abs=1e-3)


def test_mean_score_test_on_ranks_in_one_stratum_is_kruskal_wallis_with_ties():
    x = np.array([0, 0.5, 0.5, 1, 1, 0, 0.25, 0.75, 1, 0.5, 0.5, 0.25])
    g = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    result = mean_score_test(stratum_sums(stats.rankdata(x), g, np.zeros(12, dtype=int), 3))
    assert result.statistic == pytest.approx(stats.kruskal(x[g == 0], x[g == 1], x[g == 2]).statistic, rel=1e-12)


def test_mean_score_test_ignores_strata_without_two_groups_or_without_variation():
    x = np.array([1, 0, 1, 0, 1, 1, 0, 0, 1, 1.0])
    g = np.array([0, 1, 0, 1, 0, 1, 0, 0, 1, 1])
    s = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3])  # 1: no variation; 2, 3: one group
    result = mean_score_test(stratum_sums(x, g, s, 2))
    alone = mean_score_test(stratum_sums(x[:4], g[:4], s[:4], 2))
    assert result.n_strata == 1
    assert result.statistic == pytest.approx(alone.statistic)
    # one stratum of four, 2 yes in group 0 and 0 in group 1: (n - 1) / n * X^2 = 3 / 4 * 4
    assert alone.statistic == pytest.approx(3.0)


@pytest.mark.parametrize("seed", range(40))
def test_mean_score_test_of_groups_that_never_meet_adds_up_the_separate_tests(seed):
    # Groups 0 and 1 are only ever in strata 0-2, groups 2 and 3 only in strata 3-5: two separate
    # comparisons on one degree of freedom each, never three (a solve of the floating-point variance
    # usually succeeds although it is singular in exact arithmetic).
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 6, 120)
    g = np.where(s < 3, rng.integers(0, 2, 120), rng.integers(2, 4, 120))
    x = rng.integers(0, 5, 120) / 4
    both = mean_score_test(stratum_sums(x, g, s, 4))
    first, second = g < 2, g >= 2
    one = mean_score_test(stratum_sums(x[first], g[first], s[first], 2))
    other = mean_score_test(stratum_sums(x[second], g[second] - 2, s[second] - 3, 2))
    assert both.dof == 2
    assert both.statistic == pytest.approx(one.statistic + other.statistic, rel=1e-9)
    assert both.pvalue == pytest.approx(stats.chi2.sf(one.statistic + other.statistic, 2), rel=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_mean_score_test_of_a_group_only_in_uninformative_strata_leaves_it_out(seed):
    # Group 2 is only in stratum 3, where every case scores 1: the test is of groups 0 and 1.
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 3, 90)
    g = rng.integers(0, 2, 90)
    x = rng.integers(0, 2, 90).astype(float)
    s, g, x = np.append(s, [3] * 6), np.append(g, [2, 2, 2, 0, 1, 0]), np.append(x, [1.0] * 6)
    three = mean_score_test(stratum_sums(x, g, s, 3))
    two = mean_score_test(stratum_sums(x[:90], g[:90], s[:90], 2))
    assert three.dof == 1
    assert three.statistic == pytest.approx(two.statistic, rel=1e-9)


def test_direction_within_strata_can_oppose_the_pooled_direction():
    # Group 0 is mostly in the weak stratum: pooled it is lower, within each stratum it is higher.
    x = np.array([0.5, 0.5, 0.5, 0.5, 0.0, 1.0, 0.9, 0.9, 0.9, 0.9])
    g = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1])
    s = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    assert x[g == 0].mean() == pytest.approx(0.6)
    assert x[g == 1].mean() == pytest.approx(0.72)
    deviation = within_stratum_deviation(stratum_sums(x, g, s, 2))
    assert deviation[0] > 0 > deviation[1]
    # stratum 0: 0.5 - 0.0 with weight 4*1/5; stratum 1: 1.0 - 0.9 with weight 1*4/5
    assert mantel_haenszel_difference(stratum_sums(x, g, s, 2), 0, 1) == pytest.approx((0.8 * 0.5 + 0.8 * 0.1) / 1.6)


@pytest.mark.parametrize("seed", range(20))
def test_yes_no_counts_give_the_sums_and_tables_of_their_cases(seed):
    # Strata 12 and 13 answer all yes and all no (no variation), stratum 14 has one case.
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    s = np.concatenate([rng.integers(0, 12, 300), [12] * 5, [13] * 4, [14]])
    g = np.concatenate([rng.integers(0, k, 300), np.arange(5) % k, np.arange(4) % k, [0]])
    y = np.concatenate([(rng.random(300) < 0.3 + 0.1 * g[:300]).astype(float), [1.0] * 5, [0.0] * 4, [1.0]])
    n, t, ss = stratum_sums(y, g, s, k)
    counted = yes_no_sums(n, t)
    assert counted[2] == pytest.approx(ss, rel=1e-12, abs=1e-12)
    assert counted[2][12:].tolist() == [0.0, 0.0, 0.0]
    assert mean_score_test(counted).statistic == pytest.approx(mean_score_test((n, t, ss)).statistic, rel=1e-10)
    if k == 2:
        assert np.array_equal(tables_of(counted), tables_2x2(y, g, s))
        assert cmh_test(tables_of(counted)) == cmh_test(tables_2x2(y, g, s))
