"""Shared test fixtures (an isolated SEHAT_HOME per test, the PostgreSQL URL) and the two-worker setup."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from sehat import config as sehat_config
from sehat.config import DBT_PROJECT_DIR

POSTGRES_URL = os.environ.get("SEHAT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_configure(config):
    """Under pytest-xdist (``make test`` runs two workers) give each worker its own dbt
    artifacts and logs, so concurrent dbt runs never share a partial-parse cache or
    ``run_results.json``. Kept under the git-ignored ``target/`` and ``logs/`` so the
    parse cache survives between runs.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        os.environ["DBT_TARGET_PATH"] = str(DBT_PROJECT_DIR / "target" / f"xdist-{worker}")
        os.environ["DBT_LOG_PATH"] = str(DBT_PROJECT_DIR / "logs" / f"xdist-{worker}")


# Session fixtures that build a whole world (generated sample + ingest + dbt build). A test
# using one is marked ``e2e`` here, so ``make test-fast`` (``-m "not e2e and not spark"``) leaves it out
# and a new test on a world needs no mark of its own. Tests that build their own world
# (an Airflow run, compose, Cosmos) carry ``@pytest.mark.e2e`` themselves.
WORLD_FIXTURES = frozenset({"reference", "customer_warehouse"})

# Test files that share an expensive world built once per session, by path prefix. Under
# xdist each worker would build it again; these travel to one worker together. (A file
# missing here still passes: it only pays for its own build.)
_SHARED_WORLDS = {
    # world, reference below (the other files of tests/failure build nothing shared)
    "tests/failure/test_bad_inputs.py": "failure world",
    "tests/failure/test_concurrent_readers.py": "failure world",
    "tests/failure/test_deleted_at_source.py": "failure world",
    "tests/failure/test_idempotence.py": "failure world",
    "tests/failure/test_killed_tasks.py": "failure world",
    "tests/security/": "failure world",  # test_secrets_and_exposure, test_analyst_snapshot use reference
    "tests/generate/": "generated sample",  # tests/generate/conftest.py: generated
    "tests/dbt/test_customer_view.py": "customer warehouse",  # customer_warehouse below
    "tests/ml/experiments/": "customer warehouse",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if WORLD_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, except that the files in ``_SHARED_WORLDS`` go to one worker per
    world. (A scheduler rather than ``xdist_group`` marks: pytest 9.2 ignores the node-id
    suffix those marks rely on, pytest-xdist#1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedWorldScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)  # the file
            return next((world for prefix, world in _SHARED_WORLDS.items() if scope.startswith(prefix)), scope)

    return SharedWorldScheduling(config, log)


@pytest.fixture(scope="session")
def customer_warehouse(tmp_path_factory):
    """The generated 4,000-customer, 21-day warehouse (tests/dbt/customer_warehouse.py), built
    once per session; tests using it are e2e."""
    pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is in the orchestration extra")
    from tests.dbt.customer_warehouse import build_customer_warehouse

    return build_customer_warehouse(tmp_path_factory.mktemp("customer_warehouse"))


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """The small generated world of the failure and security tests (tests/failure/small_world.py):
    its sources, generated once per session. Defined here, not in a conftest of either folder, so
    both folders share one instance (a fixture imported into two conftests is built twice)."""
    from tests.failure.small_world import World

    world = World(tmp_path_factory.mktemp("failure_world"))
    world.sources()
    return world


@pytest.fixture(scope="session")
def reference(world) -> dict:
    """The small world's days landed in order, dbt built, snapshots refreshed, gated and published,
    with the tally of an analyst process that queried the snapshots meanwhile; tests using it are e2e."""
    return world.reference()


@pytest.fixture
def sehat_home(tmp_path):
    """Point every Sehat path at a fresh temporary home (no SEHAT_* variable of the caller leaks in);
    returns its Settings."""
    with sehat_config.sehat_home(tmp_path / "home") as cfg:
        yield cfg


def _postgres_reachable(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of a real PostgreSQL server; skips (or fails under CI=true) when unreachable."""
    problem = _postgres_reachable(POSTGRES_URL)
    if problem:
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable ({problem}); set SEHAT_TEST_POSTGRES_URL"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url):
    """A fresh schema on the test server, dropped afterwards; yields its name."""
    import psycopg

    name = f"sehat_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture
def airflow_database(postgres_url):
    """A fresh database ``sehat_airflow_<random>`` on the test server; dropped afterwards."""
    import psycopg

    name = f"sehat_airflow_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(postgres_url)
    yield name, urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
