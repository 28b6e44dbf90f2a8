"""Percentages in words, the way the SQS aggregate briefing (seed 000) writes them.

A share is named by the nearest fraction in `ANCHORS` and qualified by how far it
is from that fraction:

=================  =====================================================
distance d         wording
=================  =====================================================
|d| <= 1 point     the fraction alone: "in four out of five cases"
1 < |d| <= 2.5     "around": "in around nine out of ten cases"
d < -2.5           "nearly": "in nearly one-third of cases"
d > 2.5            "over": "in over half of cases"
=================  =====================================================

The ends are fixed words: exactly 0% is "none", above 0 up to 2.5% "very few",
97.5% up to (not including) 100% "almost all", exactly 100% "all". A share exactly
half-way between two fractions takes the lower one. The edges are compared exactly: the
briefing passes a question's share as the fraction `share(yes, relevant)` (7 of 24 is 29 1/6%,
exactly half-way between one-quarter and one-third), never as a rounded float.
docs/briefing.md prints the whole mapping; tests/briefing/test_phrases.py checks it at every edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Anchor:
    pct: Fraction
    words: str  # "four out of five", "one-third"
    takes_of: bool  # "one-third of cases" but "four out of five cases"


ANCHORS: tuple[Anchor, ...] = (
    Anchor(Fraction(5), "one in twenty", False),
    Anchor(Fraction(10), "one in ten", False),
    Anchor(Fraction(20), "one-fifth", True),
    Anchor(Fraction(25), "one-quarter", True),
    Anchor(Fraction(100, 3), "one-third", True),
    Anchor(Fraction(40), "four out of ten", False),
    Anchor(Fraction(50), "half", True),
    Anchor(Fraction(60), "three-fifths", True),
    Anchor(Fraction(200, 3), "two-thirds", True),
    Anchor(Fraction(70), "seven out of ten", False),
    Anchor(Fraction(75), "three-quarters", True),
    Anchor(Fraction(80), "four out of five", False),
    Anchor(Fraction(90), "nine out of ten", False),
)

EXACT_WITHIN = Fraction(1)
AROUND_WITHIN = Fraction(5, 2)
VERY_FEW_UP_TO = Fraction(5, 2)
ALMOST_ALL_FROM = Fraction(195, 2)


@dataclass(frozen=True)
class Phrase:
    qualifier: str  # "", "around", "nearly", "over"
    words: str
    takes_of: bool

    @property
    def share(self) -> str:
        """The share alone: 'nearly one-third'."""
        return f"{self.qualifier} {self.words}".strip()

    def of(self, noun: str = "cases") -> str:
        """The share of a noun: 'nearly one-third of cases', 'nine out of ten cases'."""
        return f"{self.share} of {noun}" if self.takes_of else f"{self.share} {noun}"


def share(count: int, of: int) -> Fraction:
    """`count` of `of` as an exact percentage: share(7, 24) is 29 1/6."""
    return Fraction(100 * count, of)


def phrase(pct: float | Fraction) -> Phrase:
    """The words for a percentage between 0 and 100 (a float is taken at its exact binary value)."""
    if not 0 <= pct <= 100:
        raise ValueError(f"a percentage must lie between 0 and 100, got {pct}")
    pct = Fraction(pct)
    if pct == 0:
        return Phrase("", "none", True)
    if pct == 100:
        return Phrase("", "all", False)
    if pct <= VERY_FEW_UP_TO:
        return Phrase("", "very few", False)
    if pct >= ALMOST_ALL_FROM:
        return Phrase("", "almost all", False)
    anchor = min(ANCHORS, key=lambda a: (abs(pct - a.pct), a.pct))
    d = pct - anchor.pct
    if abs(d) <= EXACT_WITHIN:
        qualifier = ""
    elif abs(d) <= AROUND_WITHIN:
        qualifier = "around"
    else:
        qualifier = "nearly" if d < 0 else "over"
    return Phrase(qualifier, anchor.words, anchor.takes_of)


def in_cases(pct: float | Fraction, noun: str = "cases") -> str:
    """'in around nine out of ten cases', 'in nearly one-third of cases', 'in all cases'."""
    words = phrase(pct)
    if words.words == "none":
        return f"in none of the {noun}"
    return f"in {words.of(noun)}"


def mapping_table(step: float = 0.5) -> list[tuple[float, str]]:
    """Every `step` points from 0 to 100 with its wording, for the documentation."""
    n = int(round(100 / step))
    return [(i * step, phrase(i * step).share) for i in range(n + 1)]
