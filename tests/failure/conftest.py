"""Fixtures for the failure tests: the reference warehouse, built once per test process.

While the reference warehouse is built, an analyst process hammers the
read-only snapshot (``sehat.warehouse.reader()``); its tally is part of the fixture.
"""

from __future__ import annotations

import pytest

from tests.failure import small_world as w


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    w.set_root(tmp_path_factory.mktemp("failure_world"))
    w.sources()
    return w


@pytest.fixture(scope="session")
def reference(world):
    """Days landed in order, dbt built, snapshot refreshed, gated and published; with the analysts' tally."""
    return w.reference()
