"""The same dbt project, unchanged, on PostgreSQL (the `postgres` target in profiles.yml).

Uses the server named by SEHAT_TEST_POSTGRES_URL (default: the local one; see the
``postgres_url`` fixture: skipped when unreachable, failing under CI=true); it creates
and drops a scratch database there.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("dbt.adapters.postgres", reason="dbt-postgres is in the orchestration extra")
psycopg = pytest.importorskip("psycopg")

from sehat.transform.dbt import dbt_build
from tests.dbt.test_dbt_build import enabled_models

FIXTURE = Path(__file__).parent / "fixtures" / "raw_small.sql"

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]  # dbt builds of the whole project on PostgreSQL


@pytest.fixture
def scratch_database(monkeypatch, postgres_url):
    url = urlsplit(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    name = f"sehat_dbt_{uuid.uuid4().hex[:8]}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'create database "{name}"')
    try:
        with psycopg.connect(url._replace(path=f"/{name}").geturl(), autocommit=True) as con:
            con.execute(FIXTURE.read_text())
        monkeypatch.setenv("SEHAT_DBT_PG_HOST", url.hostname or "127.0.0.1")
        monkeypatch.setenv("SEHAT_DBT_PG_PORT", str(url.port or 5432))
        monkeypatch.setenv("SEHAT_DBT_PG_USER", url.username or "postgres")
        monkeypatch.setenv("SEHAT_DBT_PG_PASSWORD", url.password or "")
        monkeypatch.setenv("SEHAT_DBT_PG_DBNAME", name)
        yield url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')


def test_project_builds_on_postgres(scratch_database, tmp_path):
    result = dbt_build(target="postgres", target_path=tmp_path / "target")
    assert result.ok and result.models == enabled_models(result) >= 19 and result.unit_tests_passed >= 6
    with psycopg.connect(scratch_database) as con:
        segment = con.execute(
            "select user_id, days_since_consultation from marts.seg_consulted_no_order_30d order by user_id"
        ).fetchall()
        customers = con.execute(
            "select count(*), count(user_id) from marts.dim_customers"
        ).fetchone()
        # persist_docs (issue 20): the dbt descriptions are comments on the relation and its columns
        table_comment, commented, columns = con.execute(
            "select obj_description('marts.dim_customers'::regclass),"
            " count(col_description('marts.dim_customers'::regclass, attnum)), count(*)"
            " from pg_attribute where attrelid = 'marts.dim_customers'::regclass and attnum > 0"
            " and not attisdropped").fetchone()
    assert segment == [(1, 9), (5, 1)]
    assert customers == (7, 5)
    assert table_comment and columns > 10 and commented / columns > 0.9


def test_incremental_events_run_on_postgres(scratch_database, tmp_path, monkeypatch):
    """The incremental path of stg_clevertap__events (not only its first, full build) is portable:
    an earlier export day landed late takes over a key, a later re-delivery changes nothing."""
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "empty")  # the model alone
    build = lambda: dbt_build(select="stg_clevertap__events", target="postgres", target_path=tmp_path / "target")
    build()
    with psycopg.connect(scratch_database, autocommit=True) as con:
        before = con.execute("select count(*) from staging.stg_clevertap__events").fetchone()[0]
        con.execute(
            "insert into raw.clevertap_events (export_date, source_format, source_file, line_no, event_key,"
            " event_name, event_ts, object_id, loaded_at)"
            " select export_date - 1, source_format, 'early.json.gz', 1, event_key, event_name, event_ts, object_id,"
            " loaded_at + interval '30 days' from raw.clevertap_events where event_key = 'e-b2'"
            " union all select export_date + 1, source_format, 'again.json.gz', 1, event_key, event_name, event_ts,"
            " object_id, loaded_at + interval '30 days' from raw.clevertap_events where event_key = 'e-c1'")
    build()
    with psycopg.connect(scratch_database) as con:
        rows = dict(con.execute("select event_key, source_file from staging.stg_clevertap__events"
                                " where event_key in ('e-b2', 'e-c1')").fetchall())
        after = con.execute("select count(*) from staging.stg_clevertap__events").fetchone()[0]
    assert after == before and rows == {"e-b2": "early.json.gz", "e-c1": "f10.json.gz"}
