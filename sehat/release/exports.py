"""Segments and the personalisation exports (recommendations, content rankings, cohorts) through the release path.

:func:`validate_export` reads one export from the read-only snapshot into a DataFrame, stages it as a
candidate (``members.parquet``) and runs its gate: the Great Expectations suite of :func:`build_suite`,
the size bounds, the PII scan and the erased-user check of :mod:`sehat.release.checks`. :func:`publish_export`
promotes a passed candidate to two destinations:

1. a **file drop** (:class:`~sehat.release.store.Release` ``(<kind>, <name>)``)::

    published/<kind>/<name>/<as_of>__<run id>/members.parquet, members.csv, manifest.json
    published/<kind>/<name>/CURRENT

   (``<id>.2``, ``<id>.3`` when the same run is published again: a retried task);
2. a **table in the campaign tool's PostgreSQL store** (``$SEHAT_CAMPAIGN_DB_URL``; skipped when
   unset): ``<schema>.<kind>__<name>``, loaded into a staging table and swapped in with renames inside
   one transaction, plus a row in ``<schema>.sehat_publications``. The schema comes from the URL's
   ``options=-csearch_path=<schema>``, default ``campaign``. It commits before ``CURRENT`` moves; if
   it fails nothing moves.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd

from sehat.config import Settings, settings
from sehat.release.checks import (
    GateFailed,
    erased_users_check,
    erased_users_in_snapshot,
    known_pii_in_snapshot,
    new_suite,
    pii_check,
    run_suite,
    size_checks,
    write_data_docs,
)
from sehat.release.store import Release, safe_run_id
from sehat.segments import DESTINATIONS, Segment, get_segment, registry
from sehat.warehouse import snapshot_fingerprint

CAMPAIGN_DB_ENV = "SEHAT_CAMPAIGN_DB_URL"
MEMBERS = "members.parquet"


def release_of(name: str, cfg: Settings | None = None) -> Release:
    try:
        kind = get_segment(name).kind
    except KeyError:
        kind = "segments"
    return Release(kind, name, cfg)


def current_publication(name: str, cfg: Settings | None = None) -> dict | None:
    """The live publication's manifest (with ``path``), or None."""
    return release_of(name, cfg).current()


# --------------------------------------------------------------------------- the gate


def build_suite(segment: Segment):
    """The Great Expectations an export must meet (shape, keys)."""
    import great_expectations as gx

    e = gx.expectations
    suite = new_suite(f"{segment.kind}_{segment.name}")
    suite.add_expectation(e.ExpectTableRowCountToBeBetween(min_value=segment.min_rows))
    suite.add_expectation(e.ExpectTableColumnsToMatchSet(column_set=list(segment.columns), exact_match=True))
    for key in segment.keys:
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=key))
    if len(segment.keys) == 1:
        suite.add_expectation(e.ExpectColumnValuesToBeUnique(column=segment.keys[0]))
    else:
        suite.add_expectation(e.ExpectCompoundColumnsToBeUnique(column_list=list(segment.keys)))
    return suite


def _total_customers(con) -> int | None:
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'"
                      " AND table_name = 'dim_customers'").fetchone()[0]
    return con.execute("SELECT count(*) FROM marts.dim_customers").fetchone()[0] if has else None


def gate_frame(df: pd.DataFrame, segment: Segment, previous_rows: int | None, total_customers: int | None,
               known_pii: dict | None = None, erased: dict | None = None) -> tuple[list[dict], list[dict], object]:
    """Every check of an export on ``df``: (GX suite checks, size, PII and erased-user checks, the GX result)."""
    checks, validation = run_suite(df, lambda: build_suite(segment), segment.name)
    members = int(df["customer_key"].nunique()) if "customer_key" in df.columns else len(df)
    extra = size_checks(len(df), members, total_customers, previous_rows, max_rows=segment.max_rows,
                          max_share=segment.max_share if "customer_key" in df.columns else None,
                          max_size_change=segment.max_size_change)
    extra.append(pii_check(df, segment.allowed_hashed_pii(), known_pii))
    extra.append(erased_users_check(df, erased))
    return checks, extra, validation


def validate_export(name: str, as_of: date | str, run_id: str, cfg: Settings | None = None, *,
                    known: dict | None = None, erased: dict | None = None) -> dict:
    """Gate export ``name`` from the snapshot and stage it; raises :class:`GateFailed` if it fails.

    ``known``/``erased``: the known PII values and erased users of the restricted snapshot, when the
    caller already read them (:func:`validate_many` reads them once for all its exports).
    """
    from sehat.warehouse import reader  # what leaves is read where analysts read it

    cfg = cfg or settings()
    segment = get_segment(name)
    rel = release_of(name, cfg)
    with reader(cfg) as con:
        df = con.execute(f"SELECT * FROM {segment.relation} ORDER BY {', '.join(segment.keys)}").df()
        total = _total_customers(con)
    if known is None:
        known = known_pii_in_snapshot(cfg)  # the known PII values live in the restricted snapshot
    if erased is None:
        erased = erased_users_in_snapshot(cfg)  # and so do the users deleted at the source
    live = rel.current()
    previous_rows = live["rows"] if live else None
    gx_checks, extra, validation = gate_frame(df, segment, previous_rows, total, known, erased)
    checks = gx_checks + extra
    cand = rel.stage(run_id)
    passed = all(c["success"] for c in checks)
    docs = write_data_docs(validation, rel.gate_dir(run_id), extra, title=f"{segment.kind}/{name}")
    result = {"name": name, "kind": segment.kind, "run_id": run_id, "as_of": str(as_of), "passed": passed,
              "rows": len(df), "previous_rows": previous_rows, "total_customers": total, "checks": checks,
              "data_docs": str(docs) if docs else None, "candidate_dir": str(cand)}
    if passed:
        df.to_parquet(cand / MEMBERS, index=False)
    rel.record_gate(run_id, result)
    if not passed:
        raise GateFailed(f"{segment.kind} {name!r}", result)
    return result


def validate_many(names: list[str], as_of: date | str, run_id: str, cfg: Settings | None = None) -> dict:
    """Gate several exports independently: {"passed": [...], "failed": {name: message}, "seconds": {...}}.

    A failure of one (including a relation missing from the snapshot) never stops the others; a name
    given twice is gated once.
    """
    import time

    cfg = cfg or settings()
    passed, failed, seconds = [], {}, {}
    started = time.perf_counter()
    known, erased = known_pii_in_snapshot(cfg), erased_users_in_snapshot(cfg)  # once for every export
    seconds["(known PII and erased users)"] = round(time.perf_counter() - started, 3)
    for name in dict.fromkeys(names):
        started = time.perf_counter()
        try:
            validate_export(name, as_of, run_id, cfg, known=known, erased=erased)
            passed.append(name)
        except Exception as exc:  # noqa: BLE001 - each export is gated on its own; the caller reports
            failed[name] = f"{type(exc).__name__}: {exc}"
        seconds[name] = round(time.perf_counter() - started, 3)
    return {"passed": passed, "failed": failed, "seconds": seconds}


# --------------------------------------------------------------------------- publishing


def campaign_db_url() -> str | None:
    return os.environ.get(CAMPAIGN_DB_ENV) or None


def _pg_type(series: pd.Series) -> str:
    import datetime as dt

    kind = series.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    sample = series.dropna()
    value = sample.iloc[0] if len(sample) else None
    if isinstance(value, dt.datetime):
        return "TIMESTAMP"
    if isinstance(value, dt.date):
        return "DATE"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE PRECISION"
    return "TEXT"


def write_campaign_table(df: pd.DataFrame, table: str, publication_id: str, url: str, sha256: str) -> dict:
    """Replace ``<schema>.<table>`` with ``df`` atomically: load a staging table, rename, one transaction."""
    import io
    import uuid

    import psycopg
    from psycopg import sql

    from sehat.warehouse import postgres_schema

    schema = postgres_schema(url) if "search_path" in url else "campaign"
    staging = f"{table}__load_{uuid.uuid4().hex[:8]}"
    previous = f"{table}__previous"
    cols = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(df[c]))) for c in df.columns
    )
    buf = io.StringIO()
    df.to_csv(buf, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S.%f")
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as con:  # one transaction: commit on success, rollback on error
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        con.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.sehat_publications (table_name TEXT, publication_id TEXT, rows BIGINT,"
            " sha256 TEXT, published_at TIMESTAMPTZ DEFAULT now())").format(sql.Identifier(schema)))
        con.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(sql.Identifier(schema), sql.Identifier(staging), cols))
        with con.cursor().copy(sql.SQL("COPY {}.{} FROM STDIN (FORMAT csv)").format(
                sql.Identifier(schema), sql.Identifier(staging))) as copy:
            copy.write(buf.getvalue())
        con.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(sql.Identifier(schema), sql.Identifier(previous)))
        con.execute(sql.SQL("ALTER TABLE IF EXISTS {}.{} RENAME TO {}").format(
            sql.Identifier(schema), sql.Identifier(table), sql.Identifier(previous)))
        con.execute(sql.SQL("ALTER TABLE {}.{} RENAME TO {}").format(
            sql.Identifier(schema), sql.Identifier(staging), sql.Identifier(table)))
        con.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(sql.Identifier(schema), sql.Identifier(previous)))
        con.execute(sql.SQL("INSERT INTO {}.sehat_publications (table_name, publication_id, rows, sha256)"
                            " VALUES (%s, %s, %s, %s)").format(sql.Identifier(schema)),
                    [table, publication_id, len(df), sha256])
    return {"schema": schema, "table": table, "rows": len(df)}


def publish_export(name: str, run_id: str, cfg: Settings | None = None) -> dict:
    """Promote the passed candidate of (export, run) and make it the live publication."""
    cfg = cfg or settings()
    segment = get_segment(name)
    rel = release_of(name, cfg)
    gate = rel.gate_result(run_id) or {}
    cand = rel.candidate_dir(run_id)
    df = pd.read_parquet(cand / MEMBERS) if (cand / MEMBERS).exists() else None
    if df is not None:
        df.to_csv(cand / "members.csv", index=False)
    pub_id = f"{gate.get('as_of')}__{safe_run_id(run_id)}"
    url, dest = campaign_db_url(), DESTINATIONS.get(segment.destination)

    def load_campaign_table(staging, manifest):
        if url and df is not None and (dest is None or dest.campaign_table):
            manifest["campaign_db"] = write_campaign_table(df, segment.table_name, pub_id, url,
                                                           manifest["files"][MEMBERS]["sha256"])

    manifest = rel.promote(run_id, pub_id, {
        "segment": name, "as_of": gate.get("as_of"), "destination": segment.destination,
        "rows": 0 if df is None else len(df), "columns": [] if df is None else list(df.columns),
        "data_snapshot": snapshot_fingerprint(cfg), "checks": gate.get("checks", []), "campaign_db": None,
    }, before_swap=load_campaign_table)
    return manifest


def publish_many(names: list[str], run_id: str, cfg: Settings | None = None) -> dict:
    """Publish every passed candidate in ``names``; {"published": {name: id}, "failed": {name: msg}}."""
    published, failed = {}, {}
    for name in dict.fromkeys(names):
        try:
            published[name] = publish_export(name, run_id, cfg)["publication_id"]
        except Exception as exc:  # noqa: BLE001 - one destination failing must not block the others
            failed[name] = f"{type(exc).__name__}: {exc}"
    return {"published": published, "failed": failed}


def list_publications(cfg: Settings | None = None) -> list[dict]:
    """Every export's live publication (for ``sehat published``)."""
    cfg = cfg or settings()
    out = []
    for name, segment in sorted(registry().items(), key=lambda kv: (kv[1].kind, kv[0])):
        live = Release(segment.kind, name, cfg).current()
        if live:
            out.append(live)
    return out
