"""Breakdowns by characteristic, case characteristics, periods and the *_between macros."""

from __future__ import annotations

from datetime import date

import pytest

from tests.marts.conftest import build, case, inspection, rows

# Inspection p1 ends on the last day of 2019/20, p2 on the first day of 2020/21.
CASES = [
    ("p1", "c0", {"gender": "female", "ethnicity": "black", "age": 10, "looked_after": "yes"}),
    ("p1", "c1", {"gender": "male", "ethnicity": "white", "age": 14}),
    ("p1", "c2", {"gender": "male", "ethnicity": "mixed", "age": 15}),
    ("p2", "c0", {"gender": "male", "ethnicity": "unknown", "age": 17, "looked_after": "unknown"}),
    ("p2", "c1", {"gender": "female", "ethnicity": "asian", "age": 18}),
]
# 2.1.1 (and its prompt): p1 yes, no, yes; p2 yes, yes. 2.1.2: only c0 of each relevant, answered no.
ANSWERS = {("p1", "c0"): "yes", ("p1", "c1"): "no", ("p1", "c2"): "yes", ("p2", "c0"): "yes", ("p2", "c1"): "yes"}


@pytest.fixture(scope="module")
def con():
    cases = [case(i, ref, **extra) for i, ref, extra in CASES]
    given = []
    for (i, ref), answer in ANSWERS.items():
        given.append({"inspection_id": i, "case_ref": ref, "question_id": "2.1.1", "answer": answer})
        given.append({"inspection_id": i, "case_ref": ref, "question_id": "2.1.1.a", "answer": answer})
        given.append(
            {"inspection_id": i, "case_ref": ref, "question_id": "2.1.2", "answer": "no" if ref == "c0" else "na"}
        )
    return build([inspection("p1", end="2020-03-31"), inspection("p2", end="2020-04-01")], cases, given)


def test_periods_follow_the_day_fieldwork_ended(con):
    assert rows(con, "select * from marts.periods order by period_kind desc, period_start") == [
        ("mini", "programme", "programme", date.fromisoformat("2020-03-28"), date.fromisoformat("2020-04-01"), 2, 5),
        ("mini", "financial_year", "2019/20", date.fromisoformat("2019-04-01"), date.fromisoformat("2020-03-31"), 1, 3),
        ("mini", "financial_year", "2020/21", date.fromisoformat("2020-04-01"), date.fromisoformat("2021-03-31"), 1, 2),
    ]


def test_groups_of_ethnicity_and_age(con):
    assert rows(
        con,
        """
        select characteristic, group_value, inspections, cases, pct_cases from marts.case_characteristics
        where characteristic in ('ethnic_group', 'age_band', 'ethnicity')
        order by characteristic, group_value""",
    ) == [
        ("age_band", "10-14", 1, 2, 40.0),
        ("age_band", "15-17", 2, 2, 40.0),
        ("age_band", "18", 1, 1, 20.0),
        ("ethnic_group", "minority_ethnic", 2, 3, 60.0),
        ("ethnic_group", "unknown", 1, 1, 20.0),
        ("ethnic_group", "white", 1, 1, 20.0),
        ("ethnicity", "asian", 1, 1, 20.0),
        ("ethnicity", "black", 1, 1, 20.0),
        ("ethnicity", "mixed", 1, 1, 20.0),
        ("ethnicity", "unknown", 1, 1, 20.0),
        ("ethnicity", "white", 1, 1, 20.0),
    ]


def test_case_characteristics_by_period_split_the_cases_by_financial_year(con):
    assert rows(
        con,
        """
        select period_label, group_value, inspections, cases, round(pct_cases, 2)
        from marts.case_characteristics_by_period where characteristic = 'gender'
        order by period_kind desc, period_label, group_value""",
    ) == [
        ("programme", "female", 2, 2, 40.0),
        ("programme", "male", 2, 3, 60.0),
        ("2019/20", "female", 1, 1, 33.33),
        ("2019/20", "male", 1, 2, 66.67),
        ("2020/21", "female", 1, 1, 50.0),
        ("2020/21", "male", 1, 1, 50.0),
    ]


def test_characteristic_results_pool_inspections_and_add_up(con):
    programme = [
        ("programme", "gender", "female", 2, 2, 2, 100.0),
        ("programme", "gender", "male", 2, 3, 2, pytest.approx(200 / 3, abs=1e-12)),
        ("programme", "looked_after", "no", 2, 3, 2, pytest.approx(200 / 3, abs=1e-12)),
        ("programme", "looked_after", "unknown", 1, 1, 1, 100.0),
        ("programme", "looked_after", "yes", 1, 1, 1, 100.0),
    ]
    assert (
        rows(
            con,
            """
        select period_label, characteristic, group_value, inspections, relevant_cases, yes_cases, pct_yes
        from marts.characteristic_results
        where question_id = '2.1.1' and characteristic in ('gender', 'looked_after')
        order by characteristic, group_value""",
        )
        == programme
    )
    assert rows(
        con,
        """
        select period_label, characteristic, group_value, inspections, relevant_cases, yes_cases, pct_yes
        from marts.characteristic_results_by_period
        where question_id = '2.1.1' and characteristic in ('gender', 'looked_after')
        order by period_kind desc, period_label, characteristic, group_value""",
    ) == [
        *programme,
        ("2019/20", "gender", "female", 1, 1, 1, 100.0),
        ("2019/20", "gender", "male", 1, 2, 1, 50.0),
        ("2019/20", "looked_after", "no", 1, 2, 1, 50.0),
        ("2019/20", "looked_after", "yes", 1, 1, 1, 100.0),
        ("2020/21", "gender", "female", 1, 1, 1, 100.0),
        ("2020/21", "gender", "male", 1, 1, 1, 100.0),
        ("2020/21", "looked_after", "no", 1, 1, 1, 100.0),
        ("2020/21", "looked_after", "unknown", 1, 1, 1, 100.0),
    ]
    # 2.1.2 is relevant to one case of each inspection; the other cases' na answers still place
    # them in a group, with nothing relevant.
    assert rows(
        con,
        """
        select group_value, relevant_cases, yes_cases, pct_yes from marts.characteristic_results
        where question_id = '2.1.2' and characteristic = 'case_type'""",
    ) == [("court", 2, 0, 0.0)]


def test_inspections_count_only_those_with_relevant_cases_of_the_group(con):
    # 2.1.2: p1's female case and p2's male case answered no; the other cases of both groups, na.
    # Each group has cases in both inspections, but relevant cases in one.
    expected = [("female", 1, 1, 0), ("male", 1, 1, 0)]
    assert (
        rows(
            con,
            """
        select group_value, inspections, relevant_cases, yes_cases from marts.characteristic_results
        where question_id = '2.1.2' and characteristic = 'gender' order by group_value""",
        )
        == expected
    )
    assert (
        rows(
            con,
            """
        select group_value, inspections, relevant_cases, yes_cases
        from marts.characteristic_results_between('2019-04-01', '2021-03-31')
        where question_id = '2.1.2' and characteristic = 'gender' order by group_value""",
        )
        == expected
    )


def test_between_macros_select_by_fieldwork_end(con):
    assert rows(
        con,
        """
        select period_kind, period_label, group_value, relevant_cases, yes_cases
        from marts.characteristic_results_between('2020-04-01', '2021-03-31')
        where question_id = '2.1.1' and characteristic = 'ethnic_group' order by group_value""",
    ) == [
        ("between", "2020-04-01 to 2021-03-31", "minority_ethnic", 1, 1),
        ("between", "2020-04-01 to 2021-03-31", "unknown", 1, 1),
    ]
    assert rows(
        con,
        """
        select question_id, inspections, relevant_cases, yes_cases
        from marts.question_results_between(date '2019-01-01', date '2020-03-31') order by question_order""",
    ) == [
        ("2.1.1", 1, 3, 2),
        ("2.1.1.a", 1, 3, 2),
        ("2.1.2", 1, 1, 0),
    ]
    assert rows(
        con,
        """
        select characteristic, group_value, cases from marts.case_characteristics_between('2020-03-31', '2020-03-31')
        where characteristic = 'gender' order by group_value""",
    ) == [("gender", "female", 1), ("gender", "male", 2)]
    assert rows(con, "select count(*) from marts.question_results_between('2021-01-01', '2021-12-31')") == [(0,)]
