"""Production tables -> ``raw.prod_<table>``, incrementally by ``updated_at``.

Route (chosen by measurement, see docs/design.md and ``sehat bench extraction``): DuckDB
ATTACHes the source through its PostgreSQL or SQLite scanner (bundled as PyPI
wheels) and copies with one ``INSERT ... SELECT`` per table, so rows never pass
through Python.

For logical date ``day`` a table's batch holds the rows with
``watermark < updated_at < day + 1``, where the watermark is the newest
``updated_at`` already extracted by earlier batches. The batch is tagged
``_batch_date = day`` and replaces any previous batch of that day, so re-running
a day neither duplicates nor loses rows; staging keeps the newest version of
each key, so running days out of order gives the same staging tables.

Rows without a primary key or ``updated_at`` cannot be placed and go to
``raw.production_quarantine`` with the reason. A column that disappeared from
the source is loaded as NULL and reported in the load log; a new source column
is added to the raw table.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import duckdb

from sehat.config import Settings, settings
from sehat.ingest import LoadReport, record_load
from sehat.sources.production import TABLES, WATERMARK_COLUMN
from sehat.warehouse import attach_source, writer

QUARANTINE_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.production_quarantine (
    table_name  VARCHAR NOT NULL,
    batch_date  DATE NOT NULL,
    reason      VARCHAR NOT NULL,
    record      JSON,
    loaded_at   TIMESTAMP NOT NULL
);
"""


def extract_day(day: date, cfg: Settings | None = None, tables: list[str] | None = None) -> list[LoadReport]:
    """Extract every production table's changes up to the end of ``day``."""
    cfg = cfg or settings()
    with writer(cfg) as con:
        con.execute(QUARANTINE_DDL)
        prefix = attach_source(con, cfg.production_url)
        reports = [extract_table(con, prefix, name, TABLES[name], day) for name in (tables or TABLES)]
        con.execute("DETACH src")
    return reports


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def extract_table(con: duckdb.DuckDBPyConnection, prefix: str, name: str, pk: str, day: date) -> LoadReport:
    """Extract one attached source table's batch for ``day`` into ``raw.prod_<name>``."""
    started = time.perf_counter()
    source = f"{prefix}.{name}"
    target = f"raw.prod_{name}"
    upper = day + timedelta(days=1)

    source_cols = _columns(con, source)
    missing_required = {pk, WATERMARK_COLUMN} - set(source_cols)
    if missing_required:
        raise RuntimeError(
            f"production table {name!r} lacks required column(s) {sorted(missing_required)}: cannot extract"
        )

    con.execute(
        f"CREATE TABLE IF NOT EXISTS {target} AS"
        f" SELECT *, NULL::DATE AS _batch_date, NULL::TIMESTAMP AS _extracted_at FROM {source} LIMIT 0"
    )
    target_cols = [c for c in _columns(con, target) if not c.startswith("_")]
    added = [c for c in source_cols if c not in target_cols]
    dropped = [c for c in target_cols if c not in source_cols]
    con.execute("BEGIN TRANSACTION")
    for col in added:
        col_type = con.execute(f"SELECT typeof({col}) FROM {source} LIMIT 1").fetchone()
        con.execute(f"ALTER TABLE {target} ADD COLUMN {col} {col_type[0] if col_type else 'VARCHAR'}")

    watermark = con.execute(
        f"SELECT max({WATERMARK_COLUMN}) FROM {target} WHERE _batch_date < ?", [day]
    ).fetchone()[0]
    con.execute(f"DELETE FROM {target} WHERE _batch_date = ?", [day])
    con.execute("DELETE FROM raw.production_quarantine WHERE table_name = ? AND batch_date = ?", [name, day])

    window = f"{WATERMARK_COLUMN} < $upper" + (f" AND {WATERMARK_COLUMN} > $watermark" if watermark else "")
    params = {"upper": upper} | ({"watermark": watermark} if watermark else {})
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _batch AS SELECT * FROM {source}"
        f" WHERE ({window}) OR {WATERMARK_COLUMN} IS NULL OR {pk} IS NULL",
        params,
    )
    read = con.execute("SELECT count(*) FROM _batch").fetchone()[0]
    con.execute(
        f"""
        INSERT INTO raw.production_quarantine
        SELECT $name, $day,
               CASE WHEN {pk} IS NULL THEN 'missing primary key {pk}' ELSE 'missing {WATERMARK_COLUMN}' END,
               to_json(_batch), current_localtimestamp()
        FROM _batch WHERE {pk} IS NULL OR {WATERMARK_COLUMN} IS NULL
        """,
        {"name": name, "day": day},
    )
    con.execute(
        f"INSERT INTO {target} BY NAME SELECT *, $day AS _batch_date, current_localtimestamp() AS _extracted_at"
        f" FROM _batch WHERE {pk} IS NOT NULL AND {WATERMARK_COLUMN} IS NOT NULL",
        {"day": day},
    )
    quarantined = con.execute(
        "SELECT count(*) FROM raw.production_quarantine WHERE table_name = ? AND batch_date = ?", [name, day]
    ).fetchone()[0]
    report = LoadReport(
        source=f"production.{name}",
        batch_date=day,
        read=read,
        loaded=read - quarantined,
        quarantined=quarantined,
        seconds=time.perf_counter() - started,
        detail={
            "watermark": str(watermark) if watermark else None,
            "upper_bound": str(upper),
            "columns_added": added,
            "columns_missing_in_source": dropped,
        },
    )
    record_load(con, report)
    con.execute("COMMIT")
    con.execute("DROP TABLE _batch")
    return report
