"""The Parquet lake: the contract both engines read, and the way Spark's tables come back.

Source of truth: the DuckDB raw tables. Ingest validates, quarantines and de-duplicates there
(one writer, transactions); the lake is a copy of every table the dbt project declares as a
source (``raw.*``, ``enriched.*``, ``ml.*``), written by :func:`sync_sources` before a build on
Spark, and readable by any engine without Sehat's code::

    <lake>/<schema>/<table>/export_date=YYYY-MM-DD/data.parquet   tables with a day column
    <lake>/<schema>/<table>/data.parquet                          the others (labels, lookups)

A table has a day column when it holds ``export_date`` (CleverTap) or ``_batch_date``
(production batches); the partition value is that day, and a partitioned file leaves out a
column named ``export_date`` (the partition carries it; Spark and DuckDB both add it back from
the path). A table with no rows yet keeps one empty file in ``export_date=1970-01-01`` so both
engines know its columns.

Written atomically per day and idempotent: each file is written beside its target and renamed
over it; a partition is rewritten only when its fingerprint (rows and an order-free hash of
every row) differs from the last sync (``<lake>/_sync/<schema>.<table>.json``), so a rerun of a
day, a late file for an old day or an erasure in the raw layer rewrites exactly the days that
changed, and days gone from the raw table leave the lake.

DuckDB reads the lake with ``read_parquet('<lake>/raw/prod_users/*/*.parquet',
hive_partitioning = true)``; Spark with ``spark.read.parquet('<lake>/raw/prod_users')`` (the dbt
project's ``on-run-start`` hook creates one view per source that way, macros/spark.sql).

:func:`import_built` is the way back: after ``dbt build`` on Spark, the tables dbt wrote (Parquet
under the Spark warehouse directory) replace the dbt-built schemas of the DuckDB warehouse file,
so the snapshots, the gate, the model retrains and analysts read what Spark built.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import date
from pathlib import Path

import duckdb

from sehat.config import Settings, settings
from sehat.transform.spark import table_location
from sehat.warehouse import writer

log = logging.getLogger(__name__)

PARTITION = "export_date"
"""The Hive partition key of every day-partitioned lake table."""

DAY_COLUMNS = ("export_date", "_batch_date")
"""A source table's day column, in order of preference."""

EMPTY_PARTITION = date(1970, 1, 1)
"""Where a table with no rows keeps its schema-only file."""

BUILT_SCHEMAS_EXCLUDED = ("raw", "enriched", "ml")
"""Schemas the dbt project reads but never writes (sources): never replaced by :func:`import_built`."""


def declared_sources(manifest: Path) -> list[tuple[str, str]]:
    """``(schema, table)`` of every dbt source in ``manifest`` (sorted, unique)."""
    nodes = json.loads(manifest.read_text())["sources"].values()
    return sorted({(n["schema"], n.get("identifier") or n["name"]) for n in nodes})


def built_relations(manifest: Path) -> list[tuple[str, str]]:
    """``(schema, table)`` of every model and seed dbt builds on Spark (sorted; the snapshot is built
    on the DuckDB file, see :func:`sehat.transform.dbt.dbt_build`)."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return sorted(
        {
            (n["schema"], n.get("alias") or n["name"])
            for n in nodes
            if n["resource_type"] in ("model", "seed")
            and n.get("config", {}).get("materialized") != "ephemeral"
            and n.get("config", {}).get("enabled", True)
        }
    )


def sync_sources(cfg: Settings | None, manifest: Path) -> dict[str, int]:
    """Copy every source ``manifest`` declares from the DuckDB warehouse into the lake; return files
    written (the manifest: :func:`sehat.transform.dbt.ensure_manifest`).

    Idempotent: unchanged partitions are left alone (see the module docstring).
    """
    cfg = cfg or settings()
    sources = declared_sources(manifest)
    written: dict[str, int] = {}
    with writer(cfg) as con:
        present = {tuple(r) for r in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
            " UNION SELECT schema_name, view_name FROM duckdb_views()"
        ).fetchall()}
        for schema, table in sources:
            if (schema, table) not in present:
                # An optional source not written yet (ml.sape_scores before the first scoring):
                # no lake copy, so dbt's model sees it missing, as it does on DuckDB.
                shutil.rmtree(lake_path(cfg.lake, schema, table), ignore_errors=True)
                (cfg.lake / "_sync" / f"{schema}.{table}.json").unlink(missing_ok=True)
        sources = [st for st in sources if st in present]
        for schema, table in sources:
            written[f"{schema}.{table}"] = _sync_table(con, cfg.lake, schema, table)
    log.info("lake %s: %d files rewritten", cfg.lake, sum(written.values()))
    return written


def synced_sources(lake: Path) -> list[str]:
    """``schema.table`` of every source the lake holds (what the on-run-start hook registers)."""
    return sorted(p.name.removesuffix(".json") for p in (lake / "_sync").glob("*.json"))


def lake_path(lake: Path, schema: str, table: str) -> Path:
    return lake / schema / table


def read_lake(con: duckdb.DuckDBPyConnection, lake: Path, schema: str, table: str) -> duckdb.DuckDBPyRelation:
    """The lake copy of ``schema.table`` as DuckDB reads it (partition column included)."""
    root = lake_path(lake, schema, table)
    if (root / "data.parquet").exists():
        return con.sql(f"SELECT * FROM read_parquet('{root}/data.parquet')")
    return con.sql(f"SELECT * FROM read_parquet('{root}/*/*.parquet', hive_partitioning = true)")


def import_built(cfg: Settings | None, manifest: Path) -> dict[str, int]:
    """Load the tables dbt built on Spark into the DuckDB warehouse; return rows per relation.

    Each relation ``manifest`` says dbt builds (models and seeds; views are built as tables on
    Spark, see dbt_project.yml) is read from its Parquet directory under the Spark warehouse and
    replaces the DuckDB relation of the same name, in one transaction.
    """
    cfg = cfg or settings()
    relations = [r for r in built_relations(manifest) if r[0] not in BUILT_SCHEMAS_EXCLUDED]
    counts: dict[str, int] = {}
    with writer(cfg) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("BEGIN")
        try:
            for schema, table in relations:
                location = table_location(cfg, schema, table)
                files = sorted(location.rglob("*.parquet")) if location.exists() else []
                if not files:
                    log.warning("Spark built no files for %s.%s (%s); left as it was", schema, table, location)
                    continue
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                _drop_relation(con, schema, table)
                hive = any("=" in p.name for p in location.iterdir() if p.is_dir())
                con.execute(
                    f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM read_parquet('
                    f"'{location}/**/*.parquet', hive_partitioning = {str(hive).lower()}, union_by_name = true)"
                )
                _timestamps_as_utc_wall_clock(con, schema, table)
                counts[f"{schema}.{table}"] = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")
    log.info("imported %d relations built on Spark into %s", len(counts), cfg.warehouse_path)
    return counts


# --------------------------------------------------------------------------- internals


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()]


def _sync_table(con: duckdb.DuckDBPyConnection, lake: Path, schema: str, table: str) -> int:
    columns = _columns(con, schema, table)
    day_column = next((c for c in DAY_COLUMNS if c in columns), None)
    root = lake_path(lake, schema, table)
    state_file = lake / "_sync" / f"{schema}.{table}.json"
    before = json.loads(state_file.read_text()) if state_file.exists() else {}
    relation = f'"{schema}"."{table}"'
    if day_column is None:
        now = {"": _fingerprint(con, f"SELECT count(*), bit_xor(hash(t)) FROM {relation} t")}
        if now != before or not (root / "data.parquet").exists():
            _write_parquet(con, f"SELECT * FROM {relation}", root / "data.parquet")
            _write_state(state_file, now)
            return 1
        return 0

    kept = ", ".join(f'"{c}"' for c in columns if c != PARTITION)
    rows = con.execute(
        f'SELECT CAST("{day_column}" AS DATE) AS day, count(*), bit_xor(hash(t)) FROM {relation} t GROUP BY ALL'
    ).fetchall()
    now = {str(day): f"{n}:{h}" for day, n, h in rows if day is not None}
    if not now:  # no rows yet: one empty file in the sentinel partition carries the columns
        now = {str(EMPTY_PARTITION): "0:empty"}
    written = 0
    for day, fingerprint in sorted(now.items()):
        target = root / f"{PARTITION}={day}" / "data.parquet"
        if before.get(day) == fingerprint and target.exists():
            continue
        where = "false" if fingerprint == "0:empty" else f"CAST(\"{day_column}\" AS DATE) = DATE '{day}'"
        _write_parquet(con, f"SELECT {kept} FROM {relation} WHERE {where}", target)
        written += 1
    for day in set(before) - set(now):  # days no longer in the raw table leave the lake
        shutil.rmtree(root / f"{PARTITION}={day}", ignore_errors=True)
    if (root / "data.parquet").exists():  # the table gained a day column since the last sync
        (root / "data.parquet").unlink()
    _write_state(state_file, now)
    return written


def _fingerprint(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    n, h = con.execute(sql).fetchone()
    return f"{n}:{h}"


def _write_parquet(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> None:
    """Write ``sql``'s rows to ``target`` atomically (a hidden file beside it, then a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.{os.getpid()}.tmp"
    con.execute(f"COPY ({sql}) TO '{partial}' (FORMAT parquet, COMPRESSION zstd)")
    os.replace(partial, target)


def _write_state(path: Path, state: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(state, sort_keys=True))
    os.replace(partial, path)


def _drop_relation(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    kind = con.execute(
        "SELECT 'VIEW' FROM duckdb_views() WHERE schema_name = ? AND view_name = ?"
        " UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, table, schema, table],
    ).fetchone()
    if kind:
        con.execute(f'DROP {kind[0]} "{schema}"."{table}"')


def _timestamps_as_utc_wall_clock(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """Spark writes instants (TIMESTAMP WITH TIME ZONE); the DuckDB build has UTC wall-clock TIMESTAMPs."""
    for (column,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
        " AND data_type = 'TIMESTAMP WITH TIME ZONE'",
        [schema, table],
    ).fetchall():
        con.execute(
            f'ALTER TABLE "{schema}"."{table}" ALTER "{column}" TYPE TIMESTAMP'
            f' USING timezone(\'UTC\', "{column}")'
        )
