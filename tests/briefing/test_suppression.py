"""Primary and secondary suppression on crafted tables."""

from __future__ import annotations

import random

import numpy as np
import pytest

from yotbench.briefing.suppression import Constraint, _matrix, _pinned, cells_to_suppress, recoverable


def test_no_small_cells_means_nothing_suppressed():
    values = {"all": 30, "a": 10, "b": 20}
    assert cells_to_suppress(values, [Constraint("all", ("a", "b"))], 5) == set()


def test_primary_includes_zero_and_stops_at_the_threshold():
    values = {"a": 0, "b": 4, "c": 5, "d": 6}
    assert cells_to_suppress(values, [], 5) == {"a", "b"}
    assert cells_to_suppress(values, [], 6) == {"a", "b", "c"}
    assert cells_to_suppress(values, [], 0) == set()


def test_one_small_cell_in_a_total_takes_the_smallest_other_cell_with_it():
    # male 15, female 3, other 9: female alone would be 27 - 15 - 9.
    values = {"all": 27, "male": 15, "female": 3, "other": 9}
    assert cells_to_suppress(values, [Constraint("all", ("male", "female", "other"))], 5) == {"female", "other"}


def test_two_small_cells_protect_each_other():
    values = {"all": 27, "male": 20, "female": 3, "other": 4}
    assert cells_to_suppress(values, [Constraint("all", ("male", "female", "other"))], 5) == {"female", "other"}


def test_hidden_cells_adding_up_to_zero_take_another_cell_with_them():
    # 20 = 20 + b + c: b and c cannot be told apart by the equation, but being counts they are both 0.
    values = {"t": 20, "a": 20, "b": 0, "c": 0}
    assert cells_to_suppress(values, [Constraint("t", ("a", "b", "c"))], 5, published={"t"}) == {"a", "b", "c"}


def test_hidden_cells_must_add_up_to_the_threshold():
    # Male 50 and female 6 shown, other 1 and unknown 0 hidden: 57 - 56 = 1 case between them, and with
    # the question's % yes, that child's answer. Female goes too: 7 cases hidden.
    values = {"all": 57, "male": 50, "female": 6, "other": 1, "unknown": 0}
    constraint = [Constraint("all", ("male", "female", "other", "unknown"))]
    assert cells_to_suppress(values, constraint, 5, published={"all"}) == {"female", "other", "unknown"}
    # hidden cells of 2 and 3 cases already add up to 5
    values = {"all": 27, "male": 20, "female": 2, "other": 3, "unknown": 2}
    assert cells_to_suppress(values, constraint, 5) == {"female", "other", "unknown"}


def test_the_total_goes_when_the_members_left_are_published_elsewhere():
    # b and c (0 each) are hidden and a, shown in another table, cannot be: the total goes instead.
    values = {"t": 20, "a": 20, "b": 0, "c": 0}
    assert cells_to_suppress(values, [Constraint("t", ("a", "b", "c"))], 5, published={"a"}) == {"b", "c", "t"}


def test_a_small_total_is_suppressed_with_a_member():
    # The total is below the threshold: its members would give it back, so one goes too.
    values = {"all": 4, "a": 1, "b": 3}
    assert cells_to_suppress(values, [Constraint("all", ("a", "b"))], 5) == {"all", "a", "b"}


def test_nested_totals_need_a_complement_inside_the_subtotal():
    # Ethnicity adds up to all cases, and to the minority-ethnic subtotal. Suppressing
    # 'unknown' (the smallest cell of the grand total) would leave 'other' = 253 - 100 - 70 - 80.
    values = {
        "all": 1000,
        "white": 700,
        "black": 100,
        "asian": 70,
        "mixed": 80,
        "other": 3,
        "unknown": 47,
        "group_white": 700,
        "group_minority": 253,
        "group_unknown": 47,
    }
    constraints = [
        Constraint("all", ("white", "black", "asian", "mixed", "other", "unknown")),
        Constraint("all", ("group_white", "group_minority", "group_unknown")),
        Constraint("group_minority", ("black", "asian", "mixed", "other")),
        Constraint("group_white", ("white",)),
        Constraint("group_unknown", ("unknown",)),
    ]
    assert cells_to_suppress(values, constraints, 5) == {"other", "asian"}
    assert recoverable({"other", "unknown"}, list(values), constraints) == ["other", "unknown"]
    assert recoverable({"other", "asian"}, list(values), constraints) == []


def test_a_cell_recovered_by_combining_two_totals_is_caught():
    # Rows and columns of a 2x2 with margins: suppressing one cell per row is not enough
    # when the columns are published too.
    values = {"r1": 20, "r2": 20, "c1": 12, "c2": 28, "r1c1": 2, "r1c2": 18, "r2c1": 10, "r2c2": 10}
    constraints = [
        Constraint("r1", ("r1c1", "r1c2")),
        Constraint("r2", ("r2c1", "r2c2")),
        Constraint("c1", ("r1c1", "r2c1")),
        Constraint("c2", ("r1c2", "r2c2")),
    ]
    assert cells_to_suppress(values, constraints, 5) == {"r1c1", "r1c2", "r2c1", "r2c2"}


def test_a_constraint_naming_an_unknown_cell_is_an_error():
    with pytest.raises(KeyError, match="not in the table"):
        cells_to_suppress({"all": 3}, [Constraint("all", ("a",))], 5)


def _worked_out_by_rank(a: np.ndarray, cols: list[int]) -> list[int]:
    """The columns of a[:, cols] whose cell follows from the equations: removing the column lowers the rank
    of the restricted system by one exactly when the cell's unit vector lies in its row space (an independent
    computation from the one yotbench uses)."""
    sub = a[:, cols]
    rank = np.linalg.matrix_rank(sub) if sub.size else 0
    out = []
    for j, col in enumerate(cols):
        rest = np.delete(sub, j, axis=1)
        if np.any(sub[:, j]) and (np.linalg.matrix_rank(rest) if rest.size else 0) == rank - 1:
            out.append(col)
    return out


def _grid(rng: random.Random) -> tuple[dict, list[Constraint]]:
    """A table of counts with row totals, often column totals, sometimes a grand total of both."""
    rows, columns = rng.randint(1, 5), rng.randint(1, 5)
    values = {("cell", i, j): rng.choice([0, 1, 2, 3, 4, 6, 9, 20]) for i in range(rows) for j in range(columns)}
    constraints = []
    for i in range(rows):
        values["row", i] = sum(values["cell", i, j] for j in range(columns))
        constraints.append(Constraint(("row", i), tuple(("cell", i, j) for j in range(columns))))
    if rng.random() < 0.7:
        for j in range(columns):
            values["column", j] = sum(values["cell", i, j] for i in range(rows))
            constraints.append(Constraint(("column", j), tuple(("cell", i, j) for i in range(rows))))
        if rng.random() < 0.5:
            values["all",] = sum(values["row", i] for i in range(rows))
            constraints.append(Constraint(("all",), tuple(("row", i) for i in range(rows))))
            constraints.append(Constraint(("all",), tuple(("column", j) for j in range(columns))))
    keys = list(values)
    rng.shuffle(keys)
    return {k: values[k] for k in keys}, constraints


def test_one_decomposition_tells_what_each_candidate_complement_would_leave_exposed():
    # _pinned answers for every candidate from one SVD; each answer must be what the rank of the
    # system with that candidate added says.
    rng = random.Random(7)
    checked = 0
    for _ in range(300):
        values, constraints = _grid(rng)
        keys = list(values)
        a = _matrix(keys, constraints)
        suppressed = sorted(rng.sample(range(len(keys)), rng.randint(1, max(1, len(keys) // 2))))
        candidates = [i for i in range(len(keys)) if i not in suppressed]
        pinned, after, own = _pinned(a, suppressed, candidates)
        assert [suppressed[j] for j in np.flatnonzero(pinned)] == _worked_out_by_rank(a, suppressed)
        for i, candidate in enumerate(candidates):
            expected = _worked_out_by_rank(a, sorted([*suppressed, candidate]))
            got = [suppressed[j] for j in np.flatnonzero(after[i])] + ([candidate] if own[i] else [])
            assert sorted(got) == expected
            checked += 1
    assert checked > 1000


def test_no_suppressed_cell_of_a_random_table_can_be_worked_out():
    rng = random.Random(11)
    for _ in range(300):
        values, constraints = _grid(rng)
        keys = list(values)
        hidden = cells_to_suppress(values, constraints, 5)
        assert {k for k, v in values.items() if v < 5} <= hidden
        cols = [i for i, k in enumerate(keys) if k in hidden]
        assert _worked_out_by_rank(_matrix(keys, constraints), cols) == []
