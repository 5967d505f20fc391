"""Benchmarks: measured figures, printed and written to ``benchmarks/results/``.

Run ``sehat bench --help``. Each benchmark returns a dict of figures; the CLI
writes them as JSON and appends a Markdown table with the command that
reproduces them. Tests never assert speed; this module measures it.
"""

from __future__ import annotations

import gzip
import json
import platform
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from sehat.config import REPO_ROOT, Settings

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


def machine() -> dict:
    import os

    return {
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def bench_extraction(postgres_url: str, rows: int = 2_000_000, work_dir: Path | None = None) -> dict:
    """PostgreSQL -> DuckDB through Sehat's extraction path on an 8-column table of ``rows`` rows.

    Also measures psycopg ``COPY ... TO STDOUT`` into DuckDB's CSV reader, the
    second-fastest route in CONVENTIONS.md, as the comparison.
    """
    import psycopg

    from sehat.ingest.production import QUARANTINE_DDL, extract_table
    from sehat.warehouse import attach_source

    schema = f"sehat_bench_{uuid.uuid4().hex[:8]}"
    work_dir = work_dir or Path("/tmp") / schema
    work_dir.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute(f"CREATE SCHEMA {schema}")
        pg.execute(
            f"""CREATE TABLE {schema}.bench AS
            SELECT g AS id, g % 100000 AS user_id, md5(g::text) AS name, (g % 997) * 1.5 AS amount,
                   'status_' || (g % 7) AS status, now() - (g % 1000) * interval '1 minute' AS created_at,
                   timestamp '2026-11-01' + (g % 86000) * interval '1 second' AS updated_at, g % 2 = 0 AS flag
            FROM generate_series(1, {rows}) g"""
        )
        pg.execute(f"ANALYZE {schema}.bench")
    try:
        url = f"{postgres_url}{'&' if '?' in postgres_url else '?'}options=-csearch_path%3D{schema}"
        con = duckdb.connect(str(work_dir / "bench.duckdb"))
        con.execute(QUARANTINE_DDL)
        prefix = attach_source(con, url)
        t = time.perf_counter()
        report = extract_table(con, prefix, "bench", "id", date(2026, 11, 1))
        sehat_seconds = time.perf_counter() - t
        con.close()

        t = time.perf_counter()
        csv_path = work_dir / "copy.csv"
        with psycopg.connect(postgres_url) as pg, open(csv_path, "wb") as f:
            with pg.cursor().copy(f"COPY {schema}.bench TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    f.write(chunk)
        con = duckdb.connect(str(work_dir / "copy.duckdb"))
        con.execute(
            f"CREATE TABLE bench AS SELECT * FROM read_csv('{csv_path}', header=false, columns={{"
            "'id':'BIGINT','user_id':'BIGINT','name':'VARCHAR','amount':'DOUBLE','status':'VARCHAR',"
            "'created_at':'TIMESTAMPTZ','updated_at':'TIMESTAMP','flag':'BOOLEAN'})"
        )
        con.close()
        copy_seconds = time.perf_counter() - t
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as pg:
            pg.execute(f"DROP SCHEMA {schema} CASCADE")
    return {
        "rows": rows,
        "loaded": report.loaded,
        "sehat_extract_seconds": round(sehat_seconds, 2),
        "sehat_extract_rows_per_s": round(rows / sehat_seconds),
        "psycopg_copy_csv_seconds": round(copy_seconds, 2),
        "psycopg_copy_csv_rows_per_s": round(rows / copy_seconds),
        "target_rows_per_s": 400_000,
    }


def bench_clevertap_ingest(cfg: Settings, days: list[date], pandas_sample_files: int = 20) -> dict:
    """Sehat's CleverTap ingest vs DuckDB reading the same files straight into a table (the ceiling)
    vs a plain pandas loader (what a newcomer would write; timed on a sample of files)."""
    import pandas as pd

    from sehat.ingest.clevertap import ingest_day
    from sehat.sources.clevertap import export_glob

    files = sorted(f for d in days for f in cfg.clevertap_export_dir.glob(export_glob(d)))
    t = time.perf_counter()
    reports = [ingest_day(d, cfg) for d in days]
    sehat_seconds = time.perf_counter() - t
    read = sum(r.read for r in reports)
    api_records = sum(r.read for r in reports) - _count_lines(files)

    ceiling_db = cfg.home / "bench_ceiling.duckdb"
    ceiling_db.unlink(missing_ok=True)
    con = duckdb.connect(str(ceiling_db))
    t = time.perf_counter()
    con.execute(
        "CREATE TABLE events AS SELECT * FROM read_json(?, format='newline_delimited', ignore_errors=true,"
        " union_by_name=true, maximum_object_size=16777216)",
        [[str(f) for f in files]],
    )
    ceiling_seconds = time.perf_counter() - t
    ceiling_rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    ceiling_db.unlink(missing_ok=True)

    sample = files[:pandas_sample_files]
    t = time.perf_counter()
    records = []
    for f in sample:
        with gzip.open(f, "rt") as fh:
            for line in fh:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    pd.json_normalize(records)
    pandas_seconds = time.perf_counter() - t
    pandas_lines = _count_lines(sample)

    export_lines = read - api_records
    sehat_rate = read / sehat_seconds
    ceiling_rate = ceiling_rows / ceiling_seconds
    return {
        "days": len(days),
        "export_files": len(files),
        "records_read": read,
        "export_lines": export_lines,
        "sehat_seconds": round(sehat_seconds, 2),
        "sehat_events_per_s": round(sehat_rate),
        "duckdb_ceiling_rows": ceiling_rows,
        "duckdb_ceiling_seconds": round(ceiling_seconds, 2),
        "duckdb_ceiling_events_per_s": round(ceiling_rate),
        "sehat_vs_ceiling": round(sehat_rate / ceiling_rate, 3),
        "pandas_loader_events_per_s": round(pandas_lines / pandas_seconds) if pandas_seconds else None,
        "target_vs_ceiling": 0.8,
    }


def _count_lines(files: list[Path]) -> int:
    n = 0
    for f in files:
        try:
            with gzip.open(f, "rb") as fh:
                n += sum(1 for _ in fh)
        except (EOFError, OSError):
            pass
    return n


def write_results(name: str, figures: dict, command: str) -> Path:
    """Write ``benchmarks/results/<name>.json`` (figures, machine, command, time)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{name}.json"
    payload = {
        "benchmark": name,
        "command": command,
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": figures,
    }
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return out
