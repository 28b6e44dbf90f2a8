"""Benchmarks: each inspection beside the lowest, highest, mean and median, ranked (1 = best)."""

from __future__ import annotations

import pytest

from tests.marts.conftest import answers, build, case, inspection, rows

# 2.1.1 key question: b1 2 of 4 (50%), b2 and b3 3 of 4 (75%, a tie), b4 nothing relevant.
GIVEN = {"b1": (2, 2, 0), "b2": (3, 1, 0), "b3": (3, 1, 0), "b4": (0, 0, 4)}


@pytest.fixture(scope="module")
def con():
    cases, given, ratings = [], [], []
    for i, (yes, no, na) in GIVEN.items():
        cases += [case(i, f"c{k}") for k in range(4)]
        given += answers(i, "2.1.1", yes, no, na) + answers(i, "2.1.1.a", yes, no, na)
        given += answers(i, "2.1.2", 4, 0)
        ratings.append({"inspection_id": i, "standard_id": "1.1", "rating": "good", "kind": "judgement"})
    ends = {"b1": "2019-06-01", "b2": "2019-09-01", "b3": "2020-06-01", "b4": "2020-09-01"}
    return build([inspection(i, end=ends[i]) for i in GIVEN], cases, given, ratings)


def test_key_question_benchmarks_over_the_programme(con):
    assert rows(
        con,
        """
        select inspection_id, value, base, programme_min, programme_max, programme_mean, programme_median, rank,
               n_inspections
        from marts.benchmarks
        where item_kind = 'key_question' and item_id = '2.1.1'
        order by inspection_id""",
    ) == [
        ("b1", 50.0, 4, 50.0, 75.0, pytest.approx(200 / 3, abs=1e-12), 75.0, 3, 3),
        ("b2", 75.0, 4, 50.0, 75.0, pytest.approx(200 / 3, abs=1e-12), 75.0, 1, 3),
        ("b3", 75.0, 4, 50.0, 75.0, pytest.approx(200 / 3, abs=1e-12), 75.0, 1, 3),
        ("b4", None, 0, 50.0, 75.0, pytest.approx(200 / 3, abs=1e-12), 75.0, None, 3),
    ]


def test_scores_and_financial_years(con):
    # 2.1: b1 requires improvement (1), b2 and b3 good (2), b4 on 2.1.2 alone: outstanding (3).
    programme = [
        ("b1", "programme", 3.0, 3.0, 5.0, 4.0, 4, 4),
        ("b2", "programme", 4.0, 3.0, 5.0, 4.0, 2, 4),
        ("b3", "programme", 4.0, 3.0, 5.0, 4.0, 2, 4),
        ("b4", "programme", 5.0, 3.0, 5.0, 4.0, 1, 4),
    ]
    assert rows(
        con,
        """
        select inspection_id, period_label, value, programme_min, programme_max, programme_median, rank, n_inspections
        from marts.benchmarks_by_period where item_kind = 'overall_score' order by period_kind desc, inspection_id""",
    ) == [
        *programme,
        ("b1", "2019/20", 3.0, 3.0, 4.0, 3.5, 2, 2),
        ("b2", "2019/20", 4.0, 3.0, 4.0, 3.5, 1, 2),
        ("b3", "2020/21", 4.0, 4.0, 5.0, 4.5, 2, 2),
        ("b4", "2020/21", 5.0, 4.0, 5.0, 4.5, 1, 2),
    ]
    assert (
        rows(
            con,
            """
        select inspection_id, period_label, value, programme_min, programme_max, programme_median, rank, n_inspections
        from marts.benchmarks where item_kind = 'overall_score' order by inspection_id""",
        )
        == programme
    )
    assert rows(
        con,
        """
        select item_kind, count(*) from marts.benchmarks group by item_kind
        order by item_kind""",
    ) == [
        ("area", 8),
        ("key_question", 8),
        ("overall_score", 4),
        ("standard_pct", 4),
        ("standard_score", 8),
    ]


def test_benchmarks_between_rank_within_the_range(con):
    assert rows(
        con,
        """
        select inspection_id, value, programme_min, programme_max, rank, n_inspections
        from marts.benchmarks_between('2019-07-01', '2020-12-31')
        where item_kind = 'key_question' and item_id = '2.1.1' order by inspection_id""",
    ) == [
        ("b2", 75.0, 75.0, 75.0, 1, 2),
        ("b3", 75.0, 75.0, 75.0, 1, 2),
        ("b4", None, 75.0, 75.0, None, 2),
    ]
