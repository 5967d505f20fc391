"""Analysts' queries running throughout a pipeline run: zero lock errors.

The reference fixture lands three days, refreshes the snapshot after each and
runs dbt while a separate process queries ``sehat.warehouse.reader()`` in a loop.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e  # on the reference warehouse (tests/failure/small_world.py)


def test_analysts_see_no_lock_error_while_the_pipeline_writes(reference):
    tally = reference["tally"]
    assert tally["errors"] == [], tally["errors"][:5]
    assert tally["ok"] >= 20, f"the analyst process ran only {tally['ok']} queries"
    # it really ran across refreshes: it saw the snapshot grow
    assert len(tally["distinct_counts"]) >= 2, tally["distinct_counts"]
