"""Writing the production tables into PostgreSQL (a real server, one throw-away schema)."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest

from sehat.generate import GenerateConfig, generate
from sehat.generate.production import TABLES, columns

URL = os.environ.get("SEHAT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg():
    psycopg = pytest.importorskip("psycopg")
    try:
        con = psycopg.connect(URL, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {URL} is required in CI: {exc}")
        pytest.skip(f"no PostgreSQL at {URL} (set SEHAT_TEST_POSTGRES_URL): {exc}")
    schema = f"sehat_gen_{uuid.uuid4().hex[:10]}"
    try:
        yield con, schema
    finally:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        con.close()


@pytest.mark.postgres
def test_generate_into_postgres_schema(pg, tmp_path):
    con, schema = pg
    cfg = GenerateConfig(customers=200, days=2, start=date(2026, 11, 1), seed=3, data_dir=tmp_path,
                         production_url=URL, production_schema=schema)
    summary = generate(cfg)
    assert summary["production_schema"] == schema
    for table in TABLES:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position", (schema, table))]
        assert cols == [c for c, _ in columns(table)]
        pk = con.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
            (f'"{schema}"."{table}"',)).fetchall()
        assert pk == [(columns(table)[0][0],)]
        count = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        assert count == summary["production"][table]
    kind = con.execute("SELECT data_type FROM information_schema.columns WHERE table_schema = %s "
                       "AND table_name = 'orders' AND column_name = 'updated_at'", (schema,)).fetchone()[0]
    assert kind.startswith("timestamp")
    # re-generating replaces the tables instead of appending
    generate(cfg)
    assert con.execute(f'SELECT count(*) FROM "{schema}".users').fetchone()[0] == 200


def test_schema_from_url_options():
    cfg = GenerateConfig(production_url=URL + "?options=-csearch_path%3Dsehat_src")
    assert cfg.schema == "sehat_src"
    assert GenerateConfig(production_url=URL).schema == "public"
