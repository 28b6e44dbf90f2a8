"""The % -> words mapping at every edge (see yotbench/briefing/phrases.py)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from yotbench.briefing.phrases import in_cases, phrase, share


@pytest.mark.parametrize(
    ("pct", "words"),
    [
        (0, "in none of the cases"),
        (1e-9, "in very few cases"),
        (2.5, "in very few cases"),
        (2.5001, "in around one in twenty cases"),
        (5, "in one in twenty cases"),
        (7.5, "in around one in twenty cases"),  # half-way between two fractions: the lower one
        (7.5001, "in around one in ten cases"),
        (15, "in over one in ten cases"),
        (15.0001, "in nearly one-fifth of cases"),
        (20, "in one-fifth of cases"),
        (100 / 3 - 1, "in one-third of cases"),
        (100 / 3 - 1.0001, "in around one-third of cases"),
        (100 / 3 - 2.5, "in around one-third of cases"),
        (100 / 3 - 2.5001, "in nearly one-third of cases"),
        (47, "in nearly half of cases"),
        (50, "in half of cases"),
        (51, "in half of cases"),
        (52.5, "in around half of cases"),
        (52.5001, "in over half of cases"),
        (75, "in three-quarters of cases"),
        (79, "in four out of five cases"),
        (81, "in four out of five cases"),
        (81.0001, "in around four out of five cases"),
        (82.5, "in around four out of five cases"),
        (82.5001, "in over four out of five cases"),
        (85, "in over four out of five cases"),
        (85.0001, "in nearly nine out of ten cases"),
        (88, "in around nine out of ten cases"),
        (93, "in over nine out of ten cases"),
        (97.4999, "in over nine out of ten cases"),
        (97.5, "in almost all cases"),
        (99.9999, "in almost all cases"),
        (100, "in all cases"),
    ],
)
def test_in_cases_at_the_edges(pct, words):
    assert in_cases(pct) == words


def test_seed_000_wordings():
    # The phrases seed 000 uses, at the shares they stand for.
    assert phrase(89.6).share == "nine out of ten"
    assert phrase(87.9).share == "around nine out of ten"
    assert phrase(93.4).share == "over nine out of ten"
    assert phrase(80.0).share == "four out of five"
    assert phrase(75.3).share == "three-quarters"
    assert phrase(54.0).share == "over half"
    assert phrase(20.0).share == "one-fifth"
    assert phrase(30.2).share == "nearly one-third"
    assert phrase(40.0).share == "four out of ten"


def test_other_nouns():
    assert in_cases(20, "relevant cases") == "in one-fifth of relevant cases"
    assert in_cases(0, "relevant cases") == "in none of the relevant cases"


@pytest.mark.parametrize("bad", [-0.1, 100.1, math.nan])
def test_out_of_range_is_an_error(bad):
    with pytest.raises(ValueError, match="between 0 and 100"):
        phrase(bad)


@pytest.mark.parametrize(
    ("count", "of", "words"),
    [
        # 7 of 24 is 29 1/6%, exactly half-way between one-quarter and one-third: the lower one. The
        # same share worked out in floats (100 - 100 * 17 / 24) lands a hair above half-way.
        (7, 24, "in over one-quarter of cases"),
        # 148 of 480 is 30 5/6%, exactly 2.5 points under one-third: "around", not "nearly"
        (148, 480, "in around one-third of cases"),
        # 103 of 300 no-answers: 34 1/3%, exactly 1 point over one-third
        (103, 300, "in one-third of cases"),
        (197, 300, "in two-thirds of cases"),  # 65 2/3%: exactly 1 point under two-thirds
    ],
)
def test_shares_are_worded_from_exact_fractions(count, of, words):
    assert share(count, of) == Fraction(100 * count, of)
    assert in_cases(share(count, of)) == words


def test_a_float_share_is_taken_at_its_binary_value():
    # why the briefing passes fractions: the float for 7 of 24 answered no (from 17 of 24 yes) is not
    # exactly half-way, and would be worded as nearer one-third
    assert in_cases(100 - 100 * 17 / 24) == "in nearly one-third of cases"
