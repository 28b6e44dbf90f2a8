"""Question results: counts, % and 95% Wilson intervals, given a few answers."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from tests.marts.conftest import answers, build, case, inspection, rows


@pytest.fixture(scope="module")
def con():
    cases = [case("q1", f"c{i}") for i in range(4)] + [
        case("q2", "c0", case_type="out_of_court", disposal="youth_caution")
    ]
    given = answers("q1", "2.1.1", 3, 1)
    given += [
        {"inspection_id": "q1", "case_ref": ref, "question_id": "2.1.1.a", "answer": a}
        for ref, a in zip(["c0", "c1", "c2", "c3"], ["yes", "na", "no", "yes"], strict=True)
    ]
    given += answers("q1", "2.1.2", 0, 0, na=4)
    return build([inspection("q1"), inspection("q2", end="2021-01-15")], cases, given)


def test_counts_and_percentages(con):
    assert rows(
        con,
        """
        select inspection_id, question_id, parent_id, level, relevant_cases, yes_cases, no_cases, na_cases, pct_yes
        from marts.question_results order by inspection_id, question_order""",
    ) == [
        ("q1", "2.1.1", None, "key_question", 4, 3, 1, 0, 75.0),
        ("q1", "2.1.1.a", "2.1.1", "prompt", 3, 2, 1, 1, pytest.approx(200 / 3, abs=1e-12)),
        ("q1", "2.1.2", None, "key_question", 0, 0, 0, 4, None),
        # an inspection whose only case answers none of these (court) questions still lists them
        ("q2", "2.1.1", None, "key_question", 0, 0, 0, 0, None),
        ("q2", "2.1.1.a", "2.1.1", "prompt", 0, 0, 0, 0, None),
        ("q2", "2.1.2", None, "key_question", 0, 0, 0, 0, None),
    ]


@pytest.mark.parametrize(("yes", "n"), [(3, 4), (0, 7), (7, 7), (17, 60), (1, 1), (449, 1127)])
def test_wilson_interval_matches_statsmodels(con, yes, n):
    low, high = proportion_confint(yes, n, alpha=0.05, method="wilson")
    got = rows(con, "select marts.wilson_low($y, $n), marts.wilson_high($y, $n), marts.pct($y, $n)", {"y": yes, "n": n})
    assert got[0] == (
        pytest.approx(100 * low, abs=1e-9),
        pytest.approx(100 * high, abs=1e-9),
        pytest.approx(100 * yes / n, abs=1e-12),
    )


def test_interval_of_a_question_result(con):
    low, high = proportion_confint(3, 4, alpha=0.05, method="wilson")
    assert rows(
        con, "select ci_low, ci_high from marts.question_results where inspection_id = 'q1' and question_id = '2.1.1'"
    ) == [(pytest.approx(100 * low, abs=1e-9), pytest.approx(100 * high, abs=1e-9))]
    assert (
        rows(con, "select ci_low, ci_high from marts.question_results where question_id = '2.1.2'")
        == [(None, None)] * 2
    )


def test_rounding_is_half_up_and_exact(con):
    assert rows(
        con,
        """
        select marts.pct_rounded(159, 200), marts.pct_rounded(119, 200), marts.pct_rounded(1, 3),
               marts.pct_rounded(2, 3), marts.pct_rounded(1, 8), marts.pct_rounded(0, 0)""",
    ) == [(80, 60, 33, 67, 13, None)]


@pytest.mark.parametrize("n", [3, 6, 7, 8, 10, 12, 14, 1127])
def test_wilson_interval_is_exact_at_0_and_100_percent(con, n):
    # The closed form leaves 4.9e-15 or 99.99999999999999 here, outside the percentage it bounds;
    # the briefing's error bars (interval minus percentage) must never be negative.
    got = rows(con, "select marts.wilson_low(0, $n), marts.wilson_high($n, $n), marts.pct($n, $n)", {"n": n})
    assert got == [(0.0, 100.0, 100.0)]
    inner = rows(con, "select marts.wilson_high(0, $n), marts.wilson_low($n, $n)", {"n": n})[0]
    low, high = proportion_confint(0, n, alpha=0.05, method="wilson")
    assert inner == (pytest.approx(100 * high, abs=1e-9), pytest.approx(100 - 100 * high, abs=1e-9))
