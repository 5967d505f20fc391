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
each key, so running days out of order gives the same staging tables. Rows of
keys deleted at the source since (``raw.production_deletions``) are kept when
their day is re-run: the source cannot give them again.

Rows without a primary key or ``updated_at`` cannot be placed and go to
``raw.production_quarantine`` with the table and the reason. So do rows whose
value does not fit its column's declared type (SQLite stores ``'thirty'`` in an
INTEGER column): the table is then read as text, each value cast to the column's
type, and a row that does not cast is quarantined as ``type_mismatch: <column>
is not <TYPE>``; the other rows load. A table that fails anyway is rolled back
alone: the other tables are extracted, the failure is logged, alerted, and
raised at the end (:class:`ProductionExtractError`, naming each table).

Source drift: a new source column is added to the raw table (names are quoted,
so ``"home city"`` works). A column that disappeared from the source (dropped or
renamed, e.g. ``phone`` -> ``phone_number``) is loaded as NULL; that is a
warning in the run's log, in the load log (``detail.warnings``) and an alert
line in ``$SEHAT_HOME/alerts/alerts.jsonl``, because staging would otherwise
fill that column with NULL silently.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from sehat.config import Settings, settings
from sehat.ingest import LoadReport, record_load
from sehat.sources.production import TABLES, WATERMARK_COLUMN
from sehat.warehouse import attach_source, writer

QUARANTINE_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.production_deletions (
    table_name  VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,   -- the primary key value, as text
    batch_date  DATE NOT NULL,      -- the run that found it gone
    detected_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.production_quarantine (
    table_name  VARCHAR NOT NULL,
    batch_date  DATE NOT NULL,
    reason      VARCHAR NOT NULL,
    record      JSON,
    loaded_at   TIMESTAMP NOT NULL
);
"""


log = logging.getLogger(__name__)


class ProductionExtractError(RuntimeError):
    """Some tables could not be extracted (the others were); the message names each one."""


def extract_day(day: date, cfg: Settings | None = None, tables: list[str] | None = None) -> list[LoadReport]:
    """Extract every production table's changes up to the end of ``day``.

    Each table is its own transaction: one that fails is rolled back, logged, alerted and
    reported in the error raised once every other table has been extracted.
    """
    cfg = cfg or settings()
    reports, failures = [], []
    with writer(cfg) as con:
        con.execute(QUARANTINE_DDL)
        prefix = attach_source(con, cfg.production_url)
        for name in tables or TABLES:
            try:
                reports.append(extract_table(con, prefix, name, TABLES[name], day))
            except Exception as exc:  # noqa: BLE001 - any failure of one table: roll it back, go on
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # no transaction was open
                failure = f"production table {name!r}: {type(exc).__name__}: {exc}"
                failures.append(failure)
                log.error("extraction of %s failed, the other tables go on: %s", day, failure)
                _alert(cfg, f"production.{name}", day, "table_failed", failure)
        con.execute("DETACH src")
        for report in reports:
            for warning in report.detail.get("warnings", []):
                log.warning("%s %s: %s", report.source, day, warning)
                _alert(cfg, report.source, day, "schema_drift", warning)
    if failures:
        raise ProductionExtractError(
            f"{len(failures)} of {len(failures) + len(reports)} production tables were not extracted for {day}"
            " (the others were): " + "; ".join(failures)
        )
    return reports


def _alert(cfg: Settings, source: str, day: date, kind: str, message: str) -> None:
    """Append one alert line to ``$SEHAT_HOME/alerts/alerts.jsonl`` (the file failed tasks use)."""
    path = cfg.home / "alerts" / "alerts.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="seconds"), "source": source,
                       "day": day.isoformat(), "kind": kind, "message": message}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)  # one write: lines never interleave
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def _q(name: str) -> str:
    """A quoted identifier (source column names may hold spaces or capitals)."""
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


@dataclass(frozen=True)
class _Staged:
    """One table's batch for a day, read into temporary tables (``_batch``, ``_mismatch``, ``_deleted``,
    ``_restored``) before the transaction, and what was found on the way."""

    name: str
    pk: str
    target: str
    day: date
    upper: date
    watermark: object  # the newest updated_at of earlier batches (None: first extraction)
    added: list[str]  # source columns the raw table lacks
    dropped: list[str]  # raw columns the source lacks (dropped or renamed)
    source_types: dict[str, str]
    mismatched: int  # rows quarantined for a value that does not cast (a text read)
    missed: int  # rows below the watermark found by key reconciliation
    deleted: int
    restored: int


def extract_table(con: duckdb.DuckDBPyConnection, prefix: str, name: str, pk: str, day: date) -> LoadReport:
    """Extract one attached source table's batch for ``day`` into ``raw.prod_<name>``: stage the batch
    (reads only), apply it in one transaction, report it in the load log of the same transaction."""
    started = time.perf_counter()
    staged = _stage(con, prefix, name, pk, day)
    con.execute("BEGIN TRANSACTION")
    read, quarantined = _apply(con, staged)
    report = _report(staged, read, quarantined, time.perf_counter() - started)
    record_load(con, report)
    con.execute("COMMIT")
    con.execute("DROP TABLE _batch; DROP TABLE _mismatch; DROP TABLE _deleted; DROP TABLE _restored")
    return report


def _stage(con: duckdb.DuckDBPyConnection, prefix: str, name: str, pk: str, day: date) -> _Staged:
    """Check the source's columns, create the raw table on first sight, then read the day's batch into
    temporary tables before the transaction (a type error of the SQLite scanner aborts the
    transaction it happens in) and reconcile keys against the source."""
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
    source_types = _types(con, source)

    watermark = con.execute(
        f"SELECT max({WATERMARK_COLUMN}) FROM {target} WHERE _batch_date < ?", [day]
    ).fetchone()[0]
    window = f"{WATERMARK_COLUMN} < $upper" + (f" AND {WATERMARK_COLUMN} > $watermark" if watermark else "")
    params = {"upper": upper} | ({"watermark": watermark} if watermark else {})
    con.execute("CREATE OR REPLACE TEMP TABLE _mismatch (reason VARCHAR, record JSON)")
    text_read = False
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _batch AS SELECT * FROM {source}"
            f" WHERE ({window}) OR {WATERMARK_COLUMN} IS NULL OR {pk} IS NULL",
            params,
        )
    except duckdb.TypeMismatchException:
        # SQLite let a value of another type into a column: read the table as text and cast
        # column by column; the rows that do not cast go to quarantine, the others load.
        _batch_from_text(con, source, pk, source_types, window, params)
        text_read = True
    mismatched = con.execute("SELECT count(*) FROM _mismatch").fetchone()[0]
    missed, deleted, restored = _reconcile(con, source, target, name, pk, day, upper, text_read=text_read)
    return _Staged(
        name=name, pk=pk, target=target, day=day, upper=upper, watermark=watermark,
        added=[c for c in source_cols if c not in target_cols],
        dropped=[c for c in target_cols if c not in source_cols],
        source_types=source_types, mismatched=mismatched, missed=missed, deleted=deleted, restored=restored,
    )


def _apply(con: duckdb.DuckDBPyConnection, s: _Staged) -> tuple[int, int]:
    """Inside the caller's transaction: new columns, the day's batch replaced, deletions and
    quarantine recorded. Returns (rows read, rows quarantined) for the day."""
    name, pk, target, day = s.name, s.pk, s.target, s.day
    for col in s.added:
        con.execute(f"ALTER TABLE {target} ADD COLUMN {_q(col)} {s.source_types.get(col) or 'VARCHAR'}")
    # the day's batch is replaced, except the rows of keys deleted at the source since: the source
    # cannot give them again, and the marts still flag what they were (a deleted user)
    con.execute(
        f"DELETE FROM {target} WHERE _batch_date = ? AND {pk}::VARCHAR NOT IN (SELECT key FROM"
        " raw.production_deletions WHERE table_name = ? AND key NOT IN (SELECT k FROM _restored))",
        [day, name],
    )
    con.execute("DELETE FROM raw.production_quarantine WHERE table_name = ? AND batch_date = ?", [name, day])
    con.execute("DELETE FROM raw.production_deletions WHERE table_name = ? AND batch_date = ?", [name, day])
    con.execute(
        "INSERT INTO raw.production_deletions SELECT ?, k, ?, current_localtimestamp() FROM _deleted"
        " WHERE k NOT IN (SELECT key FROM raw.production_deletions WHERE table_name = ?)",
        [name, day, name],
    )
    # a key recorded as deleted that is back at the source (a restore) is no longer deleted
    con.execute("DELETE FROM raw.production_deletions WHERE table_name = ? AND key IN (SELECT k FROM _restored)",
                [name])
    con.execute(
        "INSERT INTO raw.production_quarantine SELECT ?, ?, reason, record, current_localtimestamp() FROM _mismatch",
        [name, day],
    )
    read = con.execute("SELECT count(*) FROM _batch").fetchone()[0] + s.mismatched
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
    return read, quarantined


def _report(s: _Staged, read: int, quarantined: int, seconds: float) -> LoadReport:
    """The load-log entry of the day's batch, with a warning for source columns gone missing."""
    warnings = []
    if s.dropped:
        warnings.append(
            f"column(s) {s.dropped} of raw.prod_{s.name} are missing in the source (dropped or renamed"
            + (f"; new source column(s) {s.added}" if s.added else "") + "): loaded as NULL"
        )
    return LoadReport(
        source=f"production.{s.name}",
        batch_date=s.day,
        read=read,
        loaded=read - quarantined,
        quarantined=quarantined,
        seconds=seconds,
        detail={
            "watermark": str(s.watermark) if s.watermark else None,
            "upper_bound": str(s.upper),
            "columns_added": s.added,
            "columns_missing_in_source": s.dropped,
            "warnings": warnings,
            "reconciled_below_watermark": s.missed,
            "deleted_at_source": s.deleted,
            "restored_at_source": s.restored,
        },
    )


def _batch_from_text(con: duckdb.DuckDBPyConnection, source: str, pk: str, types: dict[str, str],
                     window: str, params: dict) -> None:
    """Build ``_batch`` from a text read of a SQLite table (typed as declared); the batch's rows
    with a value that does not cast go to ``_mismatch`` (reason ``type_mismatch: <column> is not
    <TYPE>``, the row as text)."""
    con.execute("SET sqlite_all_varchar = true")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _text AS SELECT row_number() OVER () AS __row, * FROM {source}")
    finally:
        con.execute("SET sqlite_all_varchar = false")
    casts = ", ".join(f"TRY_CAST({_q(c)} AS {t}) AS {_q(c)}" for c, t in types.items())
    bad = " ".join(
        f"WHEN {_q(c)} IS NOT NULL AND TRY_CAST({_q(c)} AS {t}) IS NULL THEN 'type_mismatch: {c} is not {t}'"
        for c, t in types.items() if t != "VARCHAR"
    )
    reason = f"CASE {bad} END" if bad else "NULL::VARCHAR"
    # the day's rows, chosen on the values that do cast (as the typed read would)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cast AS SELECT __row, {casts} FROM _text")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _text AS SELECT {reason} AS __reason, * FROM _text WHERE __row IN"
        f" (SELECT __row FROM _cast WHERE ({window}) OR {WATERMARK_COLUMN} IS NULL OR {pk} IS NULL)",
        params,
    )
    con.execute(
        """INSERT INTO _mismatch SELECT __reason, json_merge_patch(to_json(t), '{"__reason": null, "__row": null}')
           FROM _text t WHERE __reason IS NOT NULL"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _batch AS SELECT * EXCLUDE (__row) FROM _cast"
                " WHERE __row IN (SELECT __row FROM _text WHERE __reason IS NULL)")
    con.execute("DROP TABLE _text; DROP TABLE _cast")


def _reconcile(con: duckdb.DuckDBPyConnection, source: str, target: str, name: str, pk: str, day: date, upper,
               text_read: bool) -> tuple[int, int, int]:
    """Key reconciliation against the source, every run (reads the key and ``updated_at`` of
    every source row). Adds to ``_batch`` the rows the watermark window cannot see: a row whose
    ``updated_at`` moved backwards, or one inserted with an old ``updated_at``; fills ``_deleted``
    with the keys extracted earlier that the source no longer has, and ``_restored`` with the keys
    recorded as deleted that the source has again. Returns (added, deleted, restored)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _deleted (k VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _restored (k VARCHAR)")
    if text_read:
        return 0, 0, 0  # the table holds values of the wrong type: keys are reconciled once it is fixed
    con.execute(f"CREATE OR REPLACE TEMP TABLE _src_keys AS SELECT {pk} AS k, {WATERMARK_COLUMN} AS u"
                f" FROM {source} WHERE {pk} IS NOT NULL")
    # the newest extracted version of each key (other days' batches; this day's is being replaced)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _latest AS SELECT {pk} AS k, max_by({WATERMARK_COLUMN}, _extracted_at)"
                f" AS u FROM {target} WHERE _batch_date <> ? GROUP BY 1", [day])
    missed = con.execute(
        f"""INSERT INTO _batch SELECT * FROM {source} WHERE {pk} IN (
                SELECT s.k FROM _src_keys s LEFT JOIN _latest l ON l.k = s.k
                WHERE s.u < $upper AND s.k NOT IN (SELECT {pk} FROM _batch WHERE {pk} IS NOT NULL)
                  AND (l.k IS NULL OR s.u IS DISTINCT FROM l.u))""",
        {"upper": upper},
    ).fetchone()[0]
    con.execute("INSERT INTO _deleted SELECT DISTINCT k::VARCHAR FROM _latest WHERE k NOT IN (SELECT k FROM _src_keys)")
    deleted = con.execute("SELECT count(*) FROM _deleted").fetchone()[0]
    restored = con.execute(
        "INSERT INTO _restored SELECT key FROM raw.production_deletions WHERE table_name = ?"
        " AND key IN (SELECT k::VARCHAR FROM _src_keys)", [name]
    ).fetchone()[0]
    con.execute("DROP TABLE _src_keys; DROP TABLE _latest")
    return missed, deleted, restored
