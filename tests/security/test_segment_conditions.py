"""Segment conditions are checked by DuckDB's parser as one expression, never by text."""

from __future__ import annotations

import pytest

from sehat.segments import load_definitions, validate_condition


@pytest.mark.parametrize("condition", [
    "1=1) OR (1=1",  # closes the compiled model's parenthesis and opens its own
    "lifecycle_stage = 'lapsing') OR (n_orders >= 0",
    "n_orders >= 2) = (n_orders >= 2",
])
def test_a_condition_that_breaks_out_of_its_parentheses_is_refused(condition):
    assert any("one expression" in p for p in validate_condition(condition)), condition


@pytest.mark.parametrize("condition", [
    "n_orders > 1 OR (SELECT count(*) FROM marts.dim_customers) > 0",  # subquery
    "n_orders > 1 UNION SELECT 1",  # set operation
    "read_csv('/etc/passwd') IS NOT NULL",  # a table function / side effect
    "n_orders > 1 GROUP BY 1",
])
def test_subqueries_set_operations_and_side_effects_are_refused(condition):
    assert validate_condition(condition), condition


def test_balanced_parentheses_and_every_committed_segment_stay_valid():
    assert validate_condition("(n_orders >= 1) OR (n_orders IN (2, 3))") == []
    conditions = [d.condition for d in load_definitions() if d.condition]
    assert conditions  # the committed definitions are checked, not an empty list
    for condition in conditions:
        assert validate_condition(condition) == [], condition
