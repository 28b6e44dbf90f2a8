"""Given/expect: the marts that pool answers over areas and standards, count cases by group, and list
the standards (area_results, key_question_scores, inspection_case_characteristics, standards)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.marts.conftest import answers, build, case, inspection, rows


@pytest.fixture(scope="module")
def con():
    cases = [
        case("q1", "c0", gender="female"),
        case("q1", "c1", looked_after="yes"),
        case("q1", "c2", age=17, ethnicity="black"),
        case("q1", "c3", age=18, ethnicity="unknown", disposal="youth_rehabilitation_order"),
        case("q2", "c0", age=12),
        case("q2", "c1", age=12),
    ]
    given = answers("q1", "2.1.1", 3, 1) + answers("q1", "2.1.2", 1, 1, na=2)
    given += answers("q1", "2.1.1.a", 0, 2, na=2)  # a prompt: never pooled with the key questions
    given += answers("q2", "2.1.1", 0, 2) + answers("q2", "2.1.2", 0, 0, na=2)
    return build([inspection("q1"), inspection("q2", end="2021-04-01")], cases, given)


def test_area_results_pool_the_key_questions_of_each_area(con):
    assert rows(
        con,
        """
        select inspection_id, financial_year, area, area_name, key_questions, relevant_answers, yes_answers, pct_yes
        from marts.area_results order by inspection_id, area_order""",
    ) == [
        ("q1", "2020/21", "desistance", "Desistance", 1, 4, 3, 75.0),
        ("q1", "2020/21", "child_safety", "Child safety", 1, 2, 1, 50.0),  # the two na left out
        ("q2", "2021/22", "desistance", "Desistance", 1, 2, 0, 0.0),
        ("q2", "2021/22", "child_safety", "Child safety", 1, 0, 0, None),  # nothing relevant: no %
    ]


def test_key_question_scores_pool_a_standards_key_questions(con):
    assert rows(
        con,
        """
        select inspection_id, item_kind, item_id, key_questions, relevant_answers, yes_answers, pct_yes,
               pct_rounded, comment
        from marts.key_question_scores order by inspection_id, item_kind, item_id""",
    ) == [
        # 4 of 6: 66.7%, printed 67; the judged standard 1.1 has no key questions and no row
        ("q1", "standard", "2.1", 2, 6, 4, pytest.approx(200 / 3, abs=1e-12), 67, None),
        ("q2", "standard", "2.1", 2, 2, 0, 0.0, 0, None),
    ]


def test_inspection_case_characteristics_count_each_inspections_cases_by_group(con):
    got = rows(
        con,
        """
        select inspection_id, fieldwork_end, characteristic, group_value, cases
        from marts.inspection_case_characteristics where inspection_id = 'q1'
        order by characteristic, group_value""",
    )
    end = dt.date(2020, 9, 24)
    assert got == [
        ("q1", end, "age_band", "15-17", 3),
        ("q1", end, "age_band", "18", 1),
        ("q1", end, "case_type", "court", 4),
        ("q1", end, "disposal", "referral_order", 3),
        ("q1", end, "disposal", "youth_rehabilitation_order", 1),
        ("q1", end, "ethnic_group", "minority_ethnic", 1),
        ("q1", end, "ethnic_group", "unknown", 1),
        ("q1", end, "ethnic_group", "white", 2),
        ("q1", end, "ethnicity", "black", 1),
        ("q1", end, "ethnicity", "unknown", 1),
        ("q1", end, "ethnicity", "white", 2),
        ("q1", end, "gender", "female", 1),
        ("q1", end, "gender", "male", 3),
        ("q1", end, "looked_after", "no", 3),
        ("q1", end, "looked_after", "yes", 1),
        ("q1", end, "rosh", "medium", 4),
        ("q1", end, "safety_wellbeing", "medium", 4),
    ]
    assert rows(
        con,
        "select group_value, cases from marts.inspection_case_characteristics "
        "where inspection_id = 'q2' and characteristic = 'age_band'",
    ) == [("10-14", 2)]


def test_standards_list_every_standard_of_the_framework(con):
    assert rows(con, "select * from marts.standards order by standard_order") == [
        (
            "mini",
            "Two-standard test framework",
            "1",
            "Organisational",
            "1.1",
            "Leadership",
            "judgement",
            True,
            "",
            0,
            0,
            1,
        ),
        (
            "mini",
            "Two-standard test framework",
            "2",
            "Court",
            "2.1",
            "Assessment",
            "key_questions",
            True,
            "court",
            2,
            1,
            2,
        ),
    ]
