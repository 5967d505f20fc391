"""Fixtures for the failure tests: the small world and its reference warehouse, each built once
per test session (tests using ``reference`` are marked ``e2e`` by tests/conftest.py).

While the reference warehouse is built, an analyst process hammers the
read-only snapshot (``sehat.warehouse.reader()``); its tally is part of the fixture.
"""

from __future__ import annotations

import pytest

from tests.failure import small_world as w


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> w.World:
    world = w.World(tmp_path_factory.mktemp("failure_world"))
    world.sources()
    return world


@pytest.fixture(scope="session")
def reference(world: w.World) -> dict:
    """Days landed in order, dbt built, snapshots refreshed, gated and published; with the analysts' tally."""
    return world.reference()
