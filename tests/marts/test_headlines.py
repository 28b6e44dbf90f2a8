"""cci-2009 headline scores and comments; the comment cut-points against seed 004's published pairs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.marts.conftest import build, case, inspection, rows
from yotbench.frameworks import load_frameworks

SEED_004 = Path(__file__).parent / "fixtures" / "seed004_wessex_2011.txt"
# question -> (yes, no) over 100 cases; other questions are not relevant (na)
GIVEN = {"1.3.1": (80, 20), "1.3.6": (79, 21), "1.1.1": (3, 2), "1.2.1": (39, 61)}


@pytest.fixture(scope="module")
def cci():
    return load_frameworks()["cci-2009"]


@pytest.fixture(scope="module")
def con(cci):
    cases = [case("w1", f"c{i}") for i in range(100)]
    given = []
    for q in cci.questions():
        yes, no = GIVEN.get(q.question_id, (0, 0))
        codes = ["yes"] * yes + ["no"] * no + ["na"] * (100 - yes - no)
        given += [
            {"inspection_id": "w1", "case_ref": f"c{i}", "question_id": q.question_id, "answer": a}
            for i, a in enumerate(codes)
        ]
    return build([inspection("w1", framework="cci-2009", end="2011-05-20")], cases, given, frameworks=[cci])


def test_headline_scores_pool_their_questions_and_take_a_comment(con):
    assert rows(
        con,
        """
        select headline, relevant_answers, yes_answers, pct, pct_rounded, comment
        from marts.headline_scores order by headline_order""",
    ) == [
        # 159 of 200 is 79.5%, printed as 80%: MINIMUM
        ("safeguarding", 200, 159, 79.5, 80, "MINIMUM improvement required"),
        ("risk_of_harm", 5, 3, 60.0, 60, "MODERATE improvement required"),
        ("likelihood_of_reoffending", 100, 39, 39.0, 39, "DRASTIC improvement required"),
    ]


def test_criterion_scores_and_comments(con):
    assert rows(
        con,
        """
        select standard_id, relevant_answers, yes_answers, pct_rounded, comment from marts.standard_results
        where relevant_answers > 0 order by standard_order""",
    ) == [
        ("1.1", 5, 3, 60, "MODERATE improvement required"),
        ("1.2", 100, 39, 39, "DRASTIC improvement required"),
        ("1.3", 200, 159, 80, "MINIMUM improvement required"),
    ]
    assert rows(con, "select count(*) from marts.standard_ratings") == [(0,)]
    assert rows(con, "select count(*) from marts.inspection_ratings") == [(0,)]


def test_default_cut_points_agree_with_every_published_score_and_comment(con):
    pairs = re.findall(
        r"(\d+)%\s+(MINIMUM|MODERATE|SUBSTANTIAL|DRASTIC) improvement required", SEED_004.read_text(encoding="utf-8")
    )
    assert len(pairs) == 10  # three headlines and seven scored criteria of Wessex
    for pct, word in pairs:
        got = rows(
            con,
            """
            select arg_max(comment, min_pct) from fw_comment_bands
            where framework = 'cci-2009' and $pct >= min_pct""",
            {"pct": int(pct)},
        )
        assert got == [(f"{word} improvement required",)], pct
    # Bournemouth & Poole 2011 (36%) was 'DRASTIC' (docs/assumptions.md).
    assert rows(con, "select arg_max(comment, min_pct) from fw_comment_bands where 36 >= min_pct") == [
        ("DRASTIC improvement required",)
    ]
