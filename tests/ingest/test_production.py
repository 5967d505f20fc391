"""Production extraction: watermarks, re-runs, bad rows, schema drift, SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from sehat.config import Settings
from sehat.ingest.production import extract_day
from sehat.warehouse import writer

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)
USERS = [
    (1, "U0000001", "2026-11-01 08:00:00"),
    (2, "U0000002", "2026-11-01 23:59:59"),
    (3, "U0000003", "2026-11-02 10:00:00"),
    (None, "U_nokey", "2026-11-01 09:00:00"),
]


def _sqlite_source(cfg: Settings, rows=USERS, drop_identity=False) -> Settings:
    path = cfg.data_dir / "production" / "production.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        cols = ("user_id INTEGER, updated_at TIMESTAMP" if drop_identity
                else "user_id INTEGER, identity TEXT, updated_at TIMESTAMP")
        db.execute(f"CREATE TABLE users ({cols})")
        for uid, ident, ts in rows:
            if drop_identity:
                db.execute("INSERT INTO users VALUES (?, ?)", (uid, ts))
            else:
                db.execute("INSERT INTO users VALUES (?, ?, ?)", (uid, ident, ts))
    return cfg


def _raw(cfg, sql):
    with writer(cfg) as con:
        return con.execute(sql).fetchall()


def test_watermark_takes_each_change_once_and_reruns_are_idempotent(sehat_home):
    cfg = _sqlite_source(sehat_home)
    (r1,) = extract_day(D1, cfg, tables=["users"])
    assert (r1.read, r1.loaded, r1.quarantined) == (3, 2, 1)  # user 3 is tomorrow's change
    (r2,) = extract_day(D2, cfg, tables=["users"])
    assert (r2.loaded, r2.quarantined) == (1, 1)
    assert r2.detail["watermark"].startswith("2026-11-01 23:59:59")
    before = _raw(cfg, "SELECT user_id, _batch_date FROM raw.prod_users ORDER BY ALL")
    extract_day(D1, cfg, tables=["users"])  # re-run of an earlier day
    extract_day(D2, cfg, tables=["users"])
    assert _raw(cfg, "SELECT user_id, _batch_date FROM raw.prod_users ORDER BY ALL") == before
    assert before == [(1, D1), (2, D1), (3, D2)]
    reasons = _raw(cfg, "SELECT DISTINCT reason FROM raw.production_quarantine")
    assert reasons == [("missing primary key user_id",)]


def test_a_dropped_source_column_loads_as_null_and_is_reported(sehat_home):
    cfg = _sqlite_source(sehat_home)
    extract_day(D1, cfg, tables=["users"])
    _sqlite_source(cfg, drop_identity=True)
    (r2,) = extract_day(D2, cfg, tables=["users"])
    assert r2.detail["columns_missing_in_source"] == ["identity"]
    assert _raw(cfg, "SELECT identity FROM raw.prod_users WHERE user_id = 3") == [(None,)]


def test_a_source_without_updated_at_is_a_clear_error(sehat_home):
    path = sehat_home.data_dir / "production" / "production.sqlite"
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (user_id INTEGER)")
    with pytest.raises(RuntimeError, match="updated_at"):
        extract_day(D1, sehat_home, tables=["users"])


@pytest.mark.postgres
def test_extracts_from_postgresql(sehat_home, postgres_url, postgres_schema, monkeypatch):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {postgres_schema}.users (user_id BIGINT, identity TEXT, updated_at TIMESTAMP)")
        with conn.cursor().copy(f"COPY {postgres_schema}.users FROM STDIN") as copy:
            for row in USERS:
                copy.write_row(row)
    url = f"{postgres_url}?options=-csearch_path%3D{postgres_schema}"
    monkeypatch.setenv("SEHAT_PRODUCTION_URL", url)
    from sehat.config import settings

    cfg = settings()
    (r1,) = extract_day(D1, cfg, tables=["users"])
    assert (r1.read, r1.loaded, r1.quarantined) == (3, 2, 1)
