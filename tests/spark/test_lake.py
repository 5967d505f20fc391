"""The Parquet lake contract (sehat.transform.lake): what DuckDB and Spark read is the raw layer, day by day,
rewritten only where a day changed, and nothing else."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from sehat.config import settings
from sehat.transform.lake import read_lake, sync_sources, synced_sources
from sehat.warehouse import writer


@pytest.fixture
def home(tmp_path) -> tuple:
    cfg = replace(settings(), home=tmp_path, warehouse_path=tmp_path / "warehouse" / "sehat.duckdb",
                  reader_path=tmp_path / "warehouse" / "sehat_read.duckdb", lake_dir=None)
    cfg.warehouse_path.parent.mkdir(parents=True)
    with writer(cfg) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("""CREATE TABLE raw.clevertap_events AS SELECT * FROM (VALUES
            (DATE '2026-11-01', 'a', '{"x": 1}'::JSON, TIMESTAMP '2026-11-01 10:00:00'),
            (DATE '2026-11-01', 'b', '{"x": 2}'::JSON, TIMESTAMP '2026-11-01 11:00:00'),
            (DATE '2026-11-02', 'c', NULL, TIMESTAMP '2026-11-02 09:30:00')) t(export_date, event_key, record, ts)""")
        con.execute("""CREATE TABLE raw.prod_users AS SELECT * FROM (VALUES
            (1, 'U1', DATE '2026-11-01'), (2, 'U2', DATE '2026-11-02')) t(user_id, identity, _batch_date)""")
        con.execute("CREATE TABLE raw.sape_sentence_labels (message_id BIGINT, category VARCHAR)")
        con.execute("INSERT INTO raw.sape_sentence_labels VALUES (7, 'opening')")
        con.execute("CREATE TABLE raw.production_quarantine (table_name VARCHAR, batch_date DATE, _batch_date DATE)")
    manifest = tmp_path / "manifest.json"
    names = ["clevertap_events", "prod_users", "sape_sentence_labels", "production_quarantine", "not_written_yet"]
    manifest.write_text(json.dumps({"sources": {
        f"source.sehat.x.{n}": {"schema": "raw", "name": n, "identifier": n} for n in names}}))
    return cfg, manifest


def _files(lake: Path) -> dict[str, float]:
    return {str(p.relative_to(lake)): p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}


def test_lake_holds_the_raw_layer_by_day_and_reads_back_the_same(home):
    cfg, manifest = home
    written = sync_sources(cfg, manifest)
    assert written == {"raw.clevertap_events": 2, "raw.prod_users": 2, "raw.sape_sentence_labels": 1,
                       "raw.production_quarantine": 1}
    assert sorted(_files(cfg.lake)) == [
        "raw/clevertap_events/export_date=2026-11-01/data.parquet",
        "raw/clevertap_events/export_date=2026-11-02/data.parquet",
        "raw/prod_users/export_date=2026-11-01/data.parquet",
        "raw/prod_users/export_date=2026-11-02/data.parquet",
        # no rows yet: an empty file carries the columns
        "raw/production_quarantine/export_date=1970-01-01/data.parquet",
        "raw/sape_sentence_labels/data.parquet",
    ]
    assert synced_sources(cfg.lake) == ["raw.clevertap_events", "raw.prod_users", "raw.production_quarantine",
                                        "raw.sape_sentence_labels"]
    con = duckdb.connect()
    with writer(cfg) as wh:
        for table in ("clevertap_events", "prod_users", "sape_sentence_labels", "production_quarantine"):
            raw = wh.sql(f"SELECT * FROM raw.{table}")
            lake = read_lake(con, cfg.lake, "raw", table).select(*raw.columns)  # the partition column is last
            assert sorted(map(str, lake.fetchall())) == sorted(map(str, raw.fetchall())), table
    # the hive partition is a DATE both ways, and the raw JSON stays text
    assert con.sql(f"SELECT typeof(export_date) FROM read_parquet('{cfg.lake}/raw/clevertap_events/*/*.parquet',"
                   " hive_partitioning = true) LIMIT 1").fetchone() == ("DATE",)


def test_a_rerun_rewrites_only_the_days_that_changed(home):
    cfg, manifest = home
    sync_sources(cfg, manifest)
    before = _files(cfg.lake)
    assert sum(sync_sources(cfg, manifest).values()) == 0 and _files(cfg.lake) == before

    with writer(cfg) as con:  # a late event for day 1, an erased user on day 2, a first quarantined row
        con.execute(
            "INSERT INTO raw.clevertap_events VALUES (DATE '2026-11-01', 'd', NULL, TIMESTAMP '2026-11-01 12:00')")
        con.execute("DELETE FROM raw.prod_users WHERE user_id = 2")
        con.execute("INSERT INTO raw.production_quarantine VALUES ('users', DATE '2026-11-02', DATE '2026-11-02')")
    assert sync_sources(cfg, manifest) == {"raw.clevertap_events": 1, "raw.prod_users": 0,
                                           "raw.sape_sentence_labels": 0, "raw.production_quarantine": 1}
    after = _files(cfg.lake)
    day1, day2 = (f"raw/clevertap_events/export_date=2026-11-0{d}/data.parquet" for d in (1, 2))
    assert after[day1] != before[day1] and after[day2] == before[day2]
    assert "raw/prod_users/export_date=2026-11-02/data.parquet" not in after  # the day is gone from raw
    assert "raw/production_quarantine/export_date=1970-01-01/data.parquet" not in after
    assert duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{cfg.lake}/raw/clevertap_events/*/*.parquet')").fetchone() == (4,)
    assert not list(cfg.lake.rglob("*.tmp"))


def test_spark_reads_the_lake_as_duckdb_does(home, spark):
    cfg, manifest = home
    sync_sources(cfg, manifest)
    events = spark.read.parquet(str(cfg.lake / "raw" / "clevertap_events"))
    assert dict(events.dtypes)["export_date"] == "date"
    assert sorted((str(r.export_date), r.event_key) for r in events.collect()) == [
        ("2026-11-01", "a"), ("2026-11-01", "b"), ("2026-11-02", "c")]
    empty = spark.read.parquet(str(cfg.lake / "raw" / "production_quarantine"))
    assert empty.count() == 0 and {"table_name", "batch_date", "_batch_date"} <= set(empty.columns)
    # timestamps written by DuckDB come back as the same UTC wall clock
    assert str(events.where("event_key = 'c'").first().ts) == "2026-11-02 09:30:00"
