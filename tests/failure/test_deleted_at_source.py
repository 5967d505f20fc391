"""A user deleted at the production source, through the daily pipeline on the small generated
world (tests/failure/small_world.py; ``land`` runs the loads then the erasure, as the ingest DAG
does): the customer view flags them, no published segment holds them, and no phone number or
e-mail address of theirs is left in the warehouse or its snapshots."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pandas as pd

from sehat.config import settings
from sehat.release.exports import publish_many, release_of, validate_many
from sehat.segments import segment_names
from sehat.transform.dbt import dbt_build
from sehat.warehouse import reader, refresh_reader, restricted_reader, writer
from tests.failure import small_world as w


def _victim(reference: dict) -> tuple[int, str, list[str]]:
    """A member of the reference's published segment with a phone, an e-mail and app events:
    (user_id, customer_key, every spelling of their contacts in the reference warehouse)."""
    cfg = reference["cfg"]
    members = pd.read_parquet(release_of(w.SEGMENT, cfg).current_file("members.parquet"))
    with restricted_reader(cfg) as con:
        for user_id in sorted(members["user_id"].dropna().astype(int)):
            row = con.execute("SELECT customer_key, identity, email, phone, email_normalised, phone_normalised"
                              " FROM restricted.dim_customer_pii WHERE user_id = ?", [user_id]).fetchone()
            if not row or not row[2] or not row[3]:
                continue
            events = con.execute("SELECT DISTINCT email, phone FROM raw.clevertap_events WHERE identity = ?",
                                 [row[1]]).fetchall()
            if not events:
                continue
            needles = {row[2], row[3], row[4], row[5]} | {v for e in events for v in e if v}
            return user_id, row[0], sorted(n for n in needles if n)
    raise AssertionError("no segment member with a phone, an e-mail and app events in the reference")


def _tables_holding(con, needles: list[str], schemas: tuple[str, ...] | None = None) -> dict[str, int]:
    """Rows of every table (of ``schemas``) whose values, as text, contain one of ``needles``."""
    found = {}
    for catalog, schema, table in con.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables()").fetchall():
        if schemas and schema not in schemas:
            continue
        n = con.execute(f'SELECT count(*) FROM "{catalog}"."{schema}"."{table}" AS t WHERE '
                        + " OR ".join("strpos(lower(CAST(t AS VARCHAR)), ?) > 0" for _ in needles),
                        [x.lower() for x in needles]).fetchone()[0]
        if n:
            found[f"{schema}.{table}"] = n
    return found


def test_a_user_deleted_at_the_source_is_flagged_unpublished_and_erased(world, reference):
    user_id, customer_key, needles = _victim(reference)
    with restricted_reader(reference["cfg"]) as con:  # the scan finds them where they were
        assert {"raw.prod_users", "raw.clevertap_events", "restricted.dim_customer_pii"} <= set(
            _tables_holding(con, needles))

    home = world.new_home("deleted_at_source")
    production = home / "production.sqlite"  # a copy: the world's sources are shared
    shutil.copy(world.sources() / "production" / "production.sqlite", production)
    d1, d2, d3, d4 = w.ALL_DAYS
    with world.env_for(home):
        os.environ["SEHAT_PRODUCTION_URL"] = f"sqlite:///{production}"  # env_for restores it
        cfg = settings()
        w.land(cfg, [d1, d2])
        with sqlite3.connect(production) as db:  # the user's account is deleted in the app
            assert db.execute("DELETE FROM users WHERE user_id = ?", [user_id]).rowcount == 1
        w.land(cfg, [d3, d4])
        w.land(cfg, [d1])  # a re-run of a day reloads its CleverTap files: purged again
        dbt_build(vars={"as_of_date": d4.isoformat()}, cfg=cfg, on_line=lambda _l: None)
        refresh_reader(cfg)

        # (a) the customer view flags them (soft delete), without personal columns or segments
        with reader(cfg) as con:
            flagged = con.execute(
                "SELECT is_deleted_at_source, deleted_at_source_on, n_segments, email_md5, phone_md5, name"
                " FROM marts.dim_customers WHERE user_id = ?", [user_id]).fetchall()
            others = con.execute("SELECT count(*) FROM marts.dim_customers WHERE is_deleted_at_source").fetchone()[0]
        assert flagged == [(True, d3, 0, None, None, None)] and others == 1

        # (b) in no published segment (each segment gated on its own; some may fail their bounds)
        gated = validate_many(segment_names(), d4, "erasure_run", cfg)
        published = publish_many(gated["passed"], "erasure_run", cfg)["published"]
        assert w.SEGMENT in published
        for name in published:
            members = pd.read_parquet(release_of(name, cfg).current_file("members.parquet"))
            assert user_id not in set(members["user_id"].dropna().astype(int)), name
            assert customer_key not in set(members["customer_key"]), name

        # (c) no phone or e-mail of theirs anywhere: the raw tables, both snapshots
        with writer(cfg) as con:
            assert _tables_holding(con, needles, ("raw",)) == {}
            assert con.execute("SELECT name, email, phone, birth_date FROM raw.prod_users WHERE user_id = ?",
                               [user_id]).fetchall() and not any(
                any(r) for r in con.execute("SELECT name, email, phone, birth_date FROM raw.prod_users"
                                            " WHERE user_id = ?", [user_id]).fetchall())
            logged = con.execute("SELECT reason, rows_purged FROM raw.erasure_log WHERE user_id = ?"
                                 " ORDER BY erased_at", [user_id]).fetchall()
        # the first erasure, then every run that found more (late events, the re-run day): never empty rows
        assert logged[0][0] == "deleted_at_source" and len(logged) >= 2 and all(n > 0 for _, n in logged)
        with restricted_reader(cfg) as con:
            assert _tables_holding(con, needles) == {}
        with reader(cfg) as con:
            assert _tables_holding(con, needles) == {}
