"""Disclosure control for the aggregate briefing: primary and secondary suppression, shown as [c].

Primary: a count below the threshold (`RunConfig.suppress_below`, default 5; zero
included) is suppressed, and so is every figure built on it (a percentage whose base
is suppressed, its interval).

Secondary: published counts are tied together by totals (the groups of a
characteristic add up to all cases; ethnic groups add up to the white / minority
ethnic split). Each tie is a linear equation; a suppressed cell can be worked out
exactly when its unit vector lies in the row space of the equations restricted to
the suppressed cells. While any suppressed cell can be worked out, one more published
cell tied to the suppressed ones is suppressed: one that hides it if there is one, a
breakdown cell before a total, then the one leaving fewest cells exposed, then the
smallest. The check is exact linear algebra, so it also catches a cell recovered by
combining two totals (rows and columns of a cross-table).

Linear algebra alone misses what counts being whole and never negative give away: where a
total is shown, its suppressed members add up to the total less the members shown, and a
sum below the threshold says each of them is that small (a sum of 0: each is 0), and, beside
the question's % yes, how those few children were answered. So in every equation whose
total is shown, the suppressed members must add up to at least the threshold; while they
do not, the smallest member shown is suppressed too (the total, where the members left are
published elsewhere and cannot be).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SUPPRESSED = "[c]"
SHORTHAND = {
    "[c]": "Confidential: suppressed because it was built from fewer than {threshold} cases, "
    "or because it would let a suppressed figure be worked out from a total.",
    "[x]": "Not available: no cases or inspections in the period to build the figure from.",
    "[z]": "Not applicable.",
}


@dataclass(frozen=True)
class Constraint:
    """Published cells that add up: sum(members) == total."""

    total: Hashable
    members: tuple[Hashable, ...]


def is_primary(count: float, threshold: int) -> bool:
    """A cell built from fewer than `threshold` cases (zero included)."""
    return count < threshold


def _matrix(keys: list[Hashable], constraints: Sequence[Constraint]) -> np.ndarray:
    column = {k: i for i, k in enumerate(keys)}
    a = np.zeros((len(constraints), len(keys)))
    for row, c in enumerate(constraints):
        for m in c.members:
            a[row, column[m]] += 1
        a[row, column[c.total]] -= 1
    return a


def recoverable(suppressed: set[Hashable], keys: list[Hashable], constraints: Sequence[Constraint]) -> list[Hashable]:
    """Suppressed cells whose value follows exactly from the published cells and the totals.

    A suppressed cell can be worked out when its unit vector lies in the row space of the
    equations restricted to the suppressed cells, that is when every vector of their null
    space is zero at that cell: one singular value decomposition answers for every cell."""
    if not suppressed or not constraints:
        return []
    return _recoverable(_matrix(keys, constraints), keys, suppressed)


def _recoverable(a: np.ndarray, keys: list[Hashable], suppressed: set[Hashable]) -> list[Hashable]:
    """recoverable() on the equations' matrix, built once per table."""
    cols = [i for i, k in enumerate(keys) if k in suppressed]
    pinned, _, _ = _pinned(a, cols, [])
    return [keys[col] for j, col in enumerate(cols) if pinned[j]]


def _pinned(a: np.ndarray, cols: list[int], candidates: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which suppressed cells (`cols`, columns of `a`) can be worked out; and, for each candidate complement
    (another column), which could be if it were suppressed too, from the same decomposition.

    Returns (pinned over cols; after, one row per candidate, over cols; each candidate's own cell pinned).
    A cell is worked out when every vector of the null space of the equations restricted to the suppressed
    cells is zero there. Adding a candidate column c to B = a[:, cols] either leaves the null space as it was
    (c is then worked out itself: it is not a combination of B's columns), or adds one vector (v, 1) with
    B v = -c, so that a cell worked out before stays so only where v is zero (v is unique there). One
    singular value decomposition of B answers for every candidate, where one per candidate took 1 ms each
    on a briefing's 190 equations, some 14,000 times for a framework with few cases."""
    # Equations that touch no cell in question do not change the null space.
    rows = np.any(a[:, cols + candidates] != 0, axis=1)
    b, c = a[rows][:, cols], a[rows][:, candidates]
    if not b.size:  # no suppressed cell, or no equation on any: nothing can be worked out
        return np.zeros(len(cols), bool), np.zeros((len(candidates), len(cols)), bool), np.zeros(len(candidates), bool)
    u, singular, vt = np.linalg.svd(b, full_matrices=True)
    tolerance = (singular.max() if singular.size else 0.0) * max(b.shape) * np.finfo(float).eps
    rank = int((singular > tolerance).sum())
    pinned = np.all(np.abs(vt[rank:]) < 1e-9, axis=0)
    # v = -pinv(B) c, for every candidate at once; c lies in B's column space when B v + c = 0.
    v = -(vt[:rank].T / singular[:rank]) @ (u[:, :rank].T @ c)
    own = np.any(np.abs(b @ v + c) > 1e-9, axis=0)
    after = pinned & ((np.abs(v) < 1e-9) | own).T
    return pinned, after, own


def cells_to_suppress(
    values: Mapping[Hashable, float],
    constraints: Sequence[Constraint],
    threshold: int,
    always: set[Hashable] | None = None,
    published: set[Hashable] | None = None,
) -> set[Hashable]:
    """Primary cells below `threshold` (plus `always`), then complements until none can be worked out.

    `published` cells (totals another table already shows) are never taken as complements, and a
    cell they fix by themselves (a breakdown with one group equals its total) cannot be protected
    here: it is left as it is, suppressed if primary, and never taken as a complement either."""
    keys = list(values)
    for c in constraints:
        missing = [k for k in (c.total, *c.members) if k not in values]
        if missing:
            raise KeyError(f"constraint on {c.total!r} names cells that are not in the table: {missing}")
    suppressed = {k for k, v in values.items() if is_primary(v, threshold)} | set(always or ())
    order = {k: i for i, k in enumerate(keys)}
    members = {m for c in constraints for m in c.members}
    fixed = set(published or ())
    a = _matrix(keys, constraints)
    fixed |= set(_recoverable(a, keys, set(keys) - fixed)) if fixed else set()
    while True:
        cols = [i for i, k in enumerate(keys) if k in suppressed]
        # Any published cell tied to a suppressed one may hide a cell that can be worked out, not only the
        # cells of its own equations (in a table with row and column totals it is often the cell through
        # which the target is worked out).
        pool = list(
            dict.fromkeys(
                k
                for c in constraints
                if suppressed & {c.total, *c.members}
                for k in (*c.members, c.total)
                if k not in suppressed and k not in fixed
            )
        )
        pinned, after, own = _pinned(a, cols, [order[k] for k in pool])
        exposed = [j for j, col in enumerate(cols) if pinned[j] and keys[col] not in fixed]
        if not exposed:
            short = _small_hidden_sum(values, constraints, threshold, suppressed, fixed, order)
            if short is None:
                return suppressed
            suppressed.add(short)
            continue
        target = exposed[0]  # its position among cols
        # Prefer a cell that hides the target, a breakdown cell over a total, fewest left exposed, the smallest.
        costs = [
            (bool(after[i, target]), k not in members, int(after[i].sum() + own[i]), values[k], order[k])
            for i, k in enumerate(pool)
        ]
        suppressed.add(pool[costs.index(min(costs))])


def _small_hidden_sum(values, constraints, threshold, suppressed, fixed, order) -> Hashable | None:
    """The next cell to suppress so that, in an equation whose total is shown, the suppressed
    members add up to at least `threshold`; None when every such equation is protected (or cannot be:
    what is left is published elsewhere)."""
    for c in constraints:
        hidden = [m for m in c.members if m in suppressed]
        if c.total in suppressed or not hidden or sum(values[m] for m in hidden) >= threshold:
            continue
        shown = [m for m in c.members if m not in suppressed and m not in fixed]
        if shown:
            return min(shown, key=lambda m: (values[m], order[m]))
        if c.total not in fixed:
            return c.total
    return None
