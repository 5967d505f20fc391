"""Gate and publishing for every export: composite keys, PII, the campaign tool's PostgreSQL table."""

from __future__ import annotations

import duckdb
import psycopg
import pytest

from sehat.release import GateFailed
from sehat.release.exports import current_publication, publish_many, release_of, validate_many
from sehat.release.exports import publish_export as publish_segment
from sehat.release.exports import validate_export as validate_segment
from sehat.segments import get_segment, registry

RECS = "customer_top10"


def segment_dir(cfg, name):
    return release_of(name, cfg).root


def _snapshot(cfg, recs_rows, extra_column=None, push_rows=()):
    cfg.reader_path.parent.mkdir(parents=True, exist_ok=True)
    cfg.reader_path.unlink(missing_ok=True)
    with duckdb.connect(str(cfg.reader_path)) as con:
        con.execute("CREATE SCHEMA ml; CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.dim_customers AS SELECT 'k' || range AS customer_key FROM range(100)")
        con.execute("""CREATE TABLE ml.customer_recommendations (customer_key VARCHAR, user_id BIGINT, identity VARCHAR,
            rank INTEGER, item_type VARCHAR, item_id VARCHAR, item_name VARCHAR, score DOUBLE, reason VARCHAR,
            as_of_date DATE)""")
        con.executemany("INSERT INTO ml.customer_recommendations VALUES (?, 1, 'U1', ?, 'product', ?, 'x', 0.5,"
                        " 'co_purchase', DATE '2026-11-04')", recs_rows)
        if extra_column:
            con.execute(f"ALTER TABLE ml.customer_recommendations ADD COLUMN {extra_column} VARCHAR")
        con.execute("""CREATE TABLE marts.seg_push_unresponsive (customer_key VARCHAR, user_id BIGINT, identity VARCHAR,
            email_md5 VARCHAR, push_sent BIGINT, as_of_date DATE)""")
        if push_rows:
            con.executemany("INSERT INTO marts.seg_push_unresponsive VALUES (?, 1, 'U1', md5('a@b.id'), 7,"
                            " DATE '2026-11-04')", [(k,) for k in push_rows])


GOOD = [("k1", 1, "P1"), ("k1", 2, "P2"), ("k2", 1, "P1")]


def test_the_registry_knows_every_segment_and_export():
    names = set(registry())
    assert {"consulted_no_order_30d", "lapsing_repeat_buyers", RECS, "content_per_segment", "customer_cohorts"} <= names
    assert get_segment(RECS).keys == ("customer_key", "rank")


def test_composite_key_must_be_unique(sehat_home):
    _snapshot(sehat_home, GOOD + [("k1", 2, "P3")])
    with pytest.raises(GateFailed, match="expect_compound_columns_to_be_unique"):
        validate_segment(RECS, "2026-11-04", "r1", sehat_home)


@pytest.mark.parametrize("column", ["email", "phone", "name", "email_md5"])
def test_pii_columns_fail_the_gate(sehat_home, column):
    _snapshot(sehat_home, GOOD, extra_column=column)
    with pytest.raises(GateFailed) as err:
        validate_segment(RECS, "2026-11-04", "r1", sehat_home)
    assert "expect_no_pii" in {c["expectation"] for c in err.value.failures()}


def test_hashed_email_passes_only_towards_an_email_matching_destination(sehat_home):
    _snapshot(sehat_home, GOOD, push_rows=["k1", "k2"])
    assert get_segment("push_unresponsive").destination == "crm_email"
    assert validate_segment("push_unresponsive", "2026-11-04", "r1", sehat_home)["passed"]


def test_many_exports_are_gated_independently(sehat_home):
    _snapshot(sehat_home, GOOD, push_rows=[])
    gate = validate_many([RECS, "consulted_no_order_30d", "push_unresponsive"], "2026-11-04", "r1", sehat_home)
    assert set(gate["passed"]) == {RECS, "push_unresponsive"}  # an allowed-empty segment passes
    assert "consulted_no_order_30d" in gate["failed"]  # not in this snapshot at all
    result = publish_many(gate["passed"], "r1", sehat_home)
    assert set(result["published"]) == set(gate["passed"]) and not result["failed"]
    assert segment_dir(sehat_home, RECS).parent.name == "recommendations"
    assert current_publication(RECS, sehat_home)["rows"] == 3


def test_campaign_table_is_replaced_atomically(sehat_home, postgres_url, postgres_schema, monkeypatch):
    url = f"{postgres_url}?options=-csearch_path%3D{postgres_schema}"
    monkeypatch.setenv("SEHAT_CAMPAIGN_DB_URL", url)
    _snapshot(sehat_home, GOOD)
    validate_segment(RECS, "2026-11-04", "r1", sehat_home)
    first = publish_segment(RECS, "r1", sehat_home)
    assert first["campaign_db"] == {"schema": postgres_schema, "table": "recommendations__customer_top10", "rows": 3}
    with psycopg.connect(postgres_url) as con:
        rows = con.execute(f'SELECT customer_key, rank, item_id FROM {postgres_schema}.'
                           '"recommendations__customer_top10"'
                           " ORDER BY 1, 2").fetchall()
        assert rows == [("k1", 1, "P1"), ("k1", 2, "P2"), ("k2", 1, "P1")]

    _snapshot(sehat_home, GOOD[:2])
    validate_segment(RECS, "2026-11-05", "r2", sehat_home)
    publish_segment(RECS, "r2", sehat_home)
    with psycopg.connect(postgres_url) as con:
        assert con.execute(
            f'SELECT count(*) FROM {postgres_schema}."recommendations__customer_top10"').fetchone()[0] == 2
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [postgres_schema])}
        assert tables == {"recommendations__customer_top10", "sehat_publications"}  # no staging leftovers
        log = con.execute(
            f"SELECT publication_id, rows FROM {postgres_schema}.sehat_publications ORDER BY published_at").fetchall()
        assert [r[1] for r in log] == [3, 2]

    # the campaign DB is down: nothing moves, neither the table nor the file drop's CURRENT
    live = current_publication(RECS, sehat_home)
    monkeypatch.setenv("SEHAT_CAMPAIGN_DB_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    _snapshot(sehat_home, GOOD)
    validate_segment(RECS, "2026-11-06", "r3", sehat_home)
    with pytest.raises(psycopg.OperationalError):
        publish_segment(RECS, "r3", sehat_home)
    assert current_publication(RECS, sehat_home) == live
