"""Standard and overall ratings: band edges as exact fractions, the lowest key question,
judgements, overrides, discretion candidates, and unrated standards."""

from __future__ import annotations

from tests.marts.conftest import answers, build, case, inspection, rows

STANDARD = """
    select inspection_id, lowest_question_id, lowest_relevant_cases, lowest_yes_cases, rule_rating,
           final_rating, score, discretion_candidate, discretion_reasons
    from marts.standard_ratings where standard_id = '2.1' order by inspection_id
"""


def one_key_question(inspection_id: str, yes: int, no: int) -> tuple[list, list]:
    """An inspection whose standard 2.1 rests on key question 2.1.1 alone (2.1.2 not relevant)."""
    n = yes + no
    cases = [case(inspection_id, f"c{i}") for i in range(n)]
    given = answers(inspection_id, "2.1.1", yes, no)
    given += answers(inspection_id, "2.1.1.a", n, 0)
    given += answers(inspection_id, "2.1.2", 0, 0, na=n)
    return cases, given


def test_band_edges_compare_exact_fractions():
    counts = {
        "a_5of8": (5, 3),
        "b_13of20": (13, 7),
        "c_4of5": (4, 1),
        "d_12of20": (12, 8),
        "e_9of10": (9, 1),
        "f_0of6": (0, 6),
        "g_10of20": (10, 10),
        "h_99of200": (99, 101),
    }
    cases, given = [], []
    for inspection_id, (yes, no) in counts.items():
        c, a = one_key_question(inspection_id, yes, no)
        cases += c
        given += a
    con = build([inspection(i) for i in counts], cases, given)
    window = "lowest key question 2.1.1 at {} ({} of {}) is within 5 points of the {}% boundary"
    one = "one case answered differently would change the rating (2.1.1 at {} of {} would give {})"
    assert rows(con, STANDARD) == [
        (
            "a_5of8",
            "2.1.1",
            8,
            5,
            "requires_improvement",
            "requires_improvement",
            1,
            True,
            window.format("62.5%", 5, 8, 65) + "; " + one.format(6, 8, "good"),
        ),
        (
            "b_13of20",
            "2.1.1",
            20,
            13,
            "good",
            "good",
            2,
            True,
            window.format("65.0%", 13, 20, 65) + "; " + one.format(12, 20, "requires improvement"),
        ),
        (
            "c_4of5",
            "2.1.1",
            5,
            4,
            "outstanding",
            "outstanding",
            3,
            True,
            window.format("80.0%", 4, 5, 80)
            + "; "
            + one.format(3, 5, "requires improvement")
            + "; lowest key question 2.1.1 rests on 5 case(s), 5 or fewer",
        ),
        (
            "d_12of20",
            "2.1.1",
            20,
            12,
            "requires_improvement",
            "requires_improvement",
            1,
            True,
            window.format("60.0%", 12, 20, 65) + "; " + one.format(13, 20, "good"),
        ),
        ("e_9of10", "2.1.1", 10, 9, "outstanding", "outstanding", 3, False, None),
        ("f_0of6", "2.1.1", 6, 0, "inadequate", "inadequate", 0, False, None),
        (
            "g_10of20",
            "2.1.1",
            20,
            10,
            "requires_improvement",
            "requires_improvement",
            1,
            True,
            window.format("50.0%", 10, 20, 50) + "; " + one.format(9, 20, "inadequate"),
        ),
        (
            "h_99of200",
            "2.1.1",
            200,
            99,
            "inadequate",
            "inadequate",
            0,
            True,
            window.format("49.5%", 99, 200, 50) + "; " + one.format(100, 200, "requires improvement"),
        ),
    ]


def test_lowest_key_question_sets_the_rating_and_ties_go_to_the_first():
    cases, given = [], []
    # 2.1.2 is lower: 5 of 8 against 7 of 8.
    cases += [case("lower", f"c{i}") for i in range(8)]
    given += answers("lower", "2.1.1", 7, 1) + answers("lower", "2.1.1.a", 8, 0) + answers("lower", "2.1.2", 5, 3)
    # A tie at 75%: 6 of 8 and 3 of 4 (four cases not relevant); the first key question is the lowest.
    cases += [case("tie", f"c{i}") for i in range(8)]
    given += answers("tie", "2.1.1", 6, 2) + answers("tie", "2.1.1.a", 8, 0) + answers("tie", "2.1.2", 3, 1, na=4)
    con = build([inspection("lower"), inspection("tie")], cases, given)
    assert [r[:6] for r in rows(con, STANDARD)] == [
        ("lower", "2.1.2", 8, 5, "requires_improvement", "requires_improvement"),
        ("tie", "2.1.1", 8, 6, "good", "good"),
    ]


def test_a_tie_at_the_lowest_fraction_on_few_cases_makes_a_candidate():
    # 2 of 10 and 1 of 5 are both 20%: 2.1.1 is named lowest (framework order), but the rating rests
    # as much on 2.1.2's five cases, so the standard is a candidate whichever is named.
    cases = [case("tied", f"c{i}") for i in range(10)]
    given = answers("tied", "2.1.1", 2, 8) + answers("tied", "2.1.1.a", 10, 0)
    given += answers("tied", "2.1.2", 1, 4, na=5)
    # 3 of 6 and 3 of 6 tie as well, on six cases: no sample reason (window only: 50% is an edge).
    cases += [case("even", f"c{i}") for i in range(6)]
    given += answers("even", "2.1.1", 3, 3) + answers("even", "2.1.1.a", 6, 0) + answers("even", "2.1.2", 3, 3)
    con = build([inspection("tied"), inspection("even")], cases, given)
    assert rows(con, STANDARD) == [
        (
            "even",
            "2.1.1",
            6,
            3,
            "requires_improvement",
            "requires_improvement",
            1,
            True,
            "lowest key question 2.1.1 at 50.0% (3 of 6) is within 5 points of the 50% boundary; "
            "one case answered differently would change the rating (2.1.1 at 2 of 6 would give inadequate, "
            "2.1.2 at 2 of 6 would give inadequate)",
        ),
        (
            "tied",
            "2.1.1",
            10,
            2,
            "inadequate",
            "inadequate",
            0,
            True,
            "key question 2.1.2, tied lowest at 20.0%, rests on 5 case(s), 5 or fewer",
        ),
    ]


def test_one_case_in_any_key_question_can_change_the_rating():
    cases = [case("both", f"c{i}") for i in range(16)]
    # 2.1.1: 8 of 10 (six cases not relevant); 2.1.2: 13 of 16. Both one case from 'good'.
    given = answers("both", "2.1.1", 8, 2, na=6) + answers("both", "2.1.1.a", 10, 0, na=6)
    given += answers("both", "2.1.2", 13, 3)
    con = build([inspection("both")], cases, given)
    assert rows(con, STANDARD) == [
        (
            "both",
            "2.1.1",
            10,
            8,
            "outstanding",
            "outstanding",
            3,
            True,
            "lowest key question 2.1.1 at 80.0% (8 of 10) is within 5 points of the 80% boundary; "
            "one case answered differently would change the rating (2.1.1 at 7 of 10 would give good, "
            "2.1.2 at 12 of 16 would give good)",
        )
    ]


def test_judgement_and_override_give_rule_and_final_ratings():
    cases, given = one_key_question("panel", 5, 3)
    ratings = [
        {"inspection_id": "panel", "standard_id": "1.1", "rating": "good", "kind": "judgement"},
        {
            "inspection_id": "panel",
            "standard_id": "2.1",
            "rating": "good",
            "kind": "override",
            "reason": "Professional discretion",
        },
    ]
    con = build([inspection("panel")], cases, given, ratings)
    assert rows(
        con,
        """
        select standard_id, rated_by, rule_rating, rule_score, override_rating, override_reason, final_rating, score
        from marts.standard_ratings order by standard_id""",
    ) == [
        ("1.1", "judgement", "good", 2, None, None, "good", 2),
        ("2.1", "key_questions", "requires_improvement", 1, "good", "Professional discretion", "good", 2),
    ]
    assert rows(
        con,
        """
        select inspection_id, provider, framework, standards, standards_rated, rule_score, final_score, max_score,
               rule_rating, final_rating, complete
        from marts.inspection_ratings""",
    ) == [
        ("panel", "panel YOS", "mini", 2, 2, 3, 4, 6, "requires_improvement", "good", True),
    ]


def test_a_standard_without_relevant_cases_or_judgement_is_unrated_and_the_inspection_incomplete():
    cases = [case("gap", f"c{i}") for i in range(3)]
    given = answers("gap", "2.1.1", 0, 0, na=3) + answers("gap", "2.1.1.a", 0, 0, na=3)
    given += answers("gap", "2.1.2", 2, 1)
    # 2.1.2 is relevant, so 2.1 is rated on it alone; 1.1 has no judgement, so it is unrated.
    con = build([inspection("gap")], cases, given)
    assert rows(
        con,
        """
        select standard_id, lowest_question_id, rule_rating, final_rating, score
        from marts.standard_ratings order by standard_id""",
    ) == [
        ("1.1", None, None, None, None),
        ("2.1", "2.1.2", "good", "good", 2),
    ]
    assert rows(
        con,
        """
        select standards, standards_rated, rule_score, final_score, rule_rating, final_rating, complete
        from marts.inspection_ratings""",
    ) == [(2, 1, None, None, None, None, False)]


def test_no_relevant_key_question_leaves_a_case_standard_unrated():
    cases = [case("none", "c0")]
    given = answers("none", "2.1.1", 0, 0, na=1) + answers("none", "2.1.1.a", 0, 0, na=1)
    given += answers("none", "2.1.2", 0, 0, na=1)
    ratings = [{"inspection_id": "none", "standard_id": "1.1", "rating": "outstanding", "kind": "judgement"}]
    con = build([inspection("none")], cases, given, ratings)
    assert rows(con, STANDARD) == [("none", None, None, None, None, None, None, False, None)]
    assert rows(con, "select complete, final_score from marts.inspection_ratings") == [(False, None)]


def test_an_override_rating_a_standard_the_rule_could_not_gives_the_published_score():
    # 2.1 has no relevant case, so no rule rating; the panel rated it good. 1.1 is judged good.
    # The published (final) score exists, 4 of 6; the rule score cannot be given.
    cases = [case("panel", "c0")]
    given = answers("panel", "2.1.1", 0, 0, na=1) + answers("panel", "2.1.1.a", 0, 0, na=1)
    given += answers("panel", "2.1.2", 0, 0, na=1)
    ratings = [
        {"inspection_id": "panel", "standard_id": "1.1", "rating": "good", "kind": "judgement"},
        {"inspection_id": "panel", "standard_id": "2.1", "rating": "good", "kind": "override", "reason": "panel"},
    ]
    con = build([inspection("panel")], cases, given, ratings)
    assert rows(
        con, "select standard_id, rule_rating, final_rating, score from marts.standard_ratings order by standard_id"
    ) == [("1.1", "good", "good", 2), ("2.1", None, "good", 2)]
    assert rows(
        con,
        """
        select standards, standards_rated, rule_score, final_score, rule_rating, final_rating, complete
        from marts.inspection_ratings""",
    ) == [(2, 2, None, 4, None, "good", True)]
