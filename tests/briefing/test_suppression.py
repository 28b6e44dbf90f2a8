"""Primary and secondary suppression on crafted tables."""

from __future__ import annotations

import pytest

from yotbench.briefing.suppression import Constraint, cells_to_suppress, recoverable


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
