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
    ceiling_seconds = _read_json_ceiling(con, files)
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


def _read_json_ceiling(con: duckdb.DuckDBPyConnection, files: list[Path]) -> float:
    """Seconds for DuckDB to read the export files straight into table ``events`` (the ceiling)."""
    t = time.perf_counter()
    con.execute(
        "CREATE TABLE events AS SELECT * FROM read_json(?, format='newline_delimited', ignore_errors=true,"
        " union_by_name=true, maximum_object_size=16777216)",
        [[str(f) for f in files]],
    )
    return time.perf_counter() - t


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


# =========================================================================== scale benchmark
#
# Each stage of the daily run executes in its own child process, so its wall time
# and its peak resident memory (the child's own, or that of a subprocess it starts,
# such as dbt) are measured in isolation and one stage's memory never inflates the
# next one's. A stage is a function ``fn(day: date, cfg: Settings)``; add one
# (e.g. a model's training once it lands) with a single line:
#
#     register_stage("train_prescription_recommender", "ml.prescriptions:bench_stage")

STAGES: dict[str, str] = {}
DEFAULT_SCALES = (10_000, 100_000, 1_000_000)
BENCH_START = date(2026, 11, 1)


def register_stage(name: str, target: str) -> None:
    """Add a daily stage to the scale benchmark: ``target`` is ``"module:function"`` taking ``(day, cfg)``."""
    if ":" not in target:
        raise ValueError(f"stage target {target!r} must look like 'package.module:function'")
    STAGES[name] = target


def stage_dbt_build(day: date, cfg: Settings):
    from sehat.transform import dbt_build

    return dbt_build(vars={"as_of_date": day.isoformat()}, cfg=cfg, on_line=lambda _line: None)


def stage_refresh_reader(day: date, cfg: Settings):
    from sehat.warehouse import refresh_reader

    return refresh_reader(cfg)


def stage_gate(day: date, cfg: Settings):
    from sehat.gate import validate_segment
    from sehat.pipeline import SEGMENT

    return validate_segment(SEGMENT, day, f"bench__{day.isoformat()}", cfg)


def stage_publish(day: date, cfg: Settings):
    from sehat.pipeline import SEGMENT
    from sehat.publish import publish_segment

    return publish_segment(SEGMENT, f"bench__{day.isoformat()}", cfg)


# The daily run, in the order the DAGs run it (sehat.pipeline.run_day).
register_stage("ingest_clevertap", "sehat.ingest.clevertap:ingest_day")
register_stage("extract_production", "sehat.ingest.production:extract_day")
register_stage("dbt_build", "sehat.bench:stage_dbt_build")
register_stage("refresh_reader", "sehat.bench:stage_refresh_reader")
register_stage("gate", "sehat.bench:stage_gate")
register_stage("publish", "sehat.bench:stage_publish")


_CHILD = """
import json, resource, sys, time
from datetime import date
from importlib import import_module
from sehat.config import settings
target, day = sys.argv[1], sys.argv[2]
module, _, name = target.partition(":")
t = time.perf_counter()
fn = None if target == "generate" else getattr(import_module(module), name)
import_seconds = time.perf_counter() - t
t = time.perf_counter()
if target == "generate":
    from sehat.generate import GenerateConfig, generate
    cfg = settings()
    customers, days = int(sys.argv[3]), int(sys.argv[4])
    result = generate(GenerateConfig(customers=customers, days=days, start=date.fromisoformat(day),
                                     seed=7, data_dir=cfg.data_dir))
    result = {"export_lines": result["export"]["lines"], "api_records": result["api"]["records"],
              "production_rows": sum(result["production"].values())}
else:
    result = fn(date.fromisoformat(day), settings())
seconds = time.perf_counter() - t
def rows(r):
    if isinstance(r, list):
        return sum(rows(x) for x in r)
    return getattr(r, "read", None) or 0
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("SEHAT_STAGE " + json.dumps({"seconds": seconds, "import_seconds": import_seconds, "peak_mb": peak / 1024,
      "rows": result if isinstance(result, dict) else rows(result)}))
"""


def _bench_env(home: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("SEHAT_")}
    env["SEHAT_HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO_ROOT) + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_stage(target: str, day: date, home: Path, *extra: str) -> dict:
    """Run one stage in a child process; return seconds (inside the child), wall seconds, peak MB, rows."""
    import subprocess
    import sys

    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, target, day.isoformat(), *extra],
        env=_bench_env(home), capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - t
    line = next((l for l in proc.stdout.splitlines() if l.startswith("SEHAT_STAGE ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"stage {target} for {day} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    out = json.loads(line.removeprefix("SEHAT_STAGE "))
    return {"seconds": round(out["seconds"], 3), "import_seconds": round(out["import_seconds"], 3),
            "wall_seconds": round(wall, 3),
            "peak_mb": round(out["peak_mb"], 1), "rows": out["rows"]}


def _settings_for(home: Path) -> Settings:
    import os
    from unittest import mock

    with mock.patch.dict(os.environ, _bench_env(home), clear=True):
        from sehat.config import settings

        return settings()


def bench_scale(customers: int, days: int = 1, work_dir: Path | None = None, log=print,
                stages: list[str] | None = None) -> dict:
    """Generate ``customers`` (data proportional) for ``days`` days, then run each daily stage per day.

    Returns per stage: seconds (summed over days), peak MB (max over days), rows;
    plus the ceilings measured on the same files in the same run.
    """
    import shutil
    import tempfile
    from datetime import timedelta

    home = Path(work_dir or tempfile.mkdtemp(prefix=f"sehat-bench-{customers}-"))
    home.mkdir(parents=True, exist_ok=True)
    figures: dict = {"customers": customers, "days": days, "stages": {}}
    try:
        log(f"[{customers:,}] generate {days} day(s)")
        figures["stages"]["generate"] = run_stage("generate", BENCH_START, home, str(customers), str(days))
        figures["generated"] = figures["stages"]["generate"]["rows"]
        for i in range(days):
            day = BENCH_START + timedelta(days=i)
            for name in stages or list(STAGES):
                r = run_stage(STAGES[name], day, home)
                log(f"[{customers:,}] {day} {name}: {r['seconds']:.1f}s, peak {r['peak_mb']:.0f} MB")
                acc = figures["stages"].setdefault(
                    name, {"seconds": 0.0, "import_seconds": 0.0, "wall_seconds": 0.0, "peak_mb": 0.0, "rows": 0})
                acc["seconds"] = round(acc["seconds"] + r["seconds"], 3)
                acc["import_seconds"] = round(acc["import_seconds"] + r["import_seconds"], 3)
                acc["wall_seconds"] = round(acc["wall_seconds"] + r["wall_seconds"], 3)
                acc["peak_mb"] = max(acc["peak_mb"], r["peak_mb"])
                acc["rows"] += r["rows"] if isinstance(r["rows"], int) else 0
        daily = [n for n in figures["stages"] if n != "generate"]
        figures["daily_run_seconds"] = round(sum(figures["stages"][n]["seconds"] for n in daily), 2)
        figures["daily_run_wall_seconds"] = round(sum(figures["stages"][n]["wall_seconds"] for n in daily), 2)
        log(f"[{customers:,}] ceilings on the same files")
        cfg = _settings_for(home)
        figures["ceilings"] = ceilings(cfg, [BENCH_START + timedelta(days=i) for i in range(days)],
                                       figures["stages"].get("ingest_clevertap", {}).get("seconds"),
                                       figures["stages"].get("extract_production", {}))
    finally:
        if work_dir is None:
            shutil.rmtree(home, ignore_errors=True)
    return figures


def ceilings(cfg: Settings, days: list[date], ingest_seconds: float | None, extract: dict,
             pandas_sample_files: int = 10) -> dict:
    """The fastest routes on this machine for the same inputs, and what a newcomer would write.

    * CleverTap: DuckDB ``read_json`` of the same export files straight into a table
      (no validation, no quarantine: the ceiling) and a plain pandas loader
      (gzip + json.loads + json_normalize, timed on a sample of files);
    * production: DuckDB copying every table of the same source whole, with no
      watermark or quarantine (``CREATE TABLE AS SELECT *``), vs Sehat's extraction.
    """
    import pandas as pd

    from sehat.sources.clevertap import export_glob
    from sehat.sources.production import TABLES
    from sehat.warehouse import attach_source

    out: dict = {}
    files = sorted(f for d in days for f in cfg.clevertap_export_dir.glob(export_glob(d)))
    lines = _count_lines(files)
    db = cfg.home / "bench_ceiling.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    ceiling_seconds = _read_json_ceiling(con, files)
    prefix = attach_source(con, cfg.production_url)
    t = time.perf_counter()
    copied = 0
    for name in TABLES:
        con.execute(f"CREATE TABLE copy_{name} AS SELECT * FROM {prefix}.{name}")
        copied += con.execute(f"SELECT count(*) FROM copy_{name}").fetchone()[0]
    copy_seconds = time.perf_counter() - t
    con.close()
    db.unlink(missing_ok=True)

    sample = files[:pandas_sample_files]
    t = time.perf_counter()
    records = []
    for f in sample:
        try:
            with gzip.open(f, "rt") as fh:
                for line in fh:
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
        except (EOFError, OSError):
            pass
    pd.json_normalize(records)
    pandas_seconds = time.perf_counter() - t
    pandas_lines = _count_lines(sample)

    out["export_lines"] = lines
    out["duckdb_read_json_seconds"] = round(ceiling_seconds, 3)
    out["duckdb_read_json_lines_per_s"] = round(lines / ceiling_seconds) if ceiling_seconds else None
    out["pandas_loader_lines_per_s"] = round(pandas_lines / pandas_seconds) if pandas_seconds else None
    if ingest_seconds:
        # Sehat's ingest also loads the API pages; compare on export lines per second of the whole stage
        # (a conservative ratio: the API pages are extra work the ceiling does not do).
        out["sehat_ingest_lines_per_s"] = round(lines / ingest_seconds)
        out["sehat_ingest_vs_duckdb_ceiling"] = round(ceiling_seconds / ingest_seconds, 3)
        out["sehat_ingest_vs_pandas"] = round((lines / ingest_seconds) / (pandas_lines / pandas_seconds), 2) if pandas_seconds else None
    out["production_rows_copied"] = copied
    out["duckdb_copy_all_tables_seconds"] = round(copy_seconds, 3)
    out["duckdb_copy_rows_per_s"] = round(copied / copy_seconds) if copy_seconds else None
    if extract.get("seconds"):
        out["sehat_extract_rows_per_s"] = round(extract["rows"] / extract["seconds"])
        out["sehat_extract_vs_copy"] = round(copy_seconds / extract["seconds"] * extract["rows"] / max(copied, 1), 3)
    return out


def bench_incremental(customers: int = 2_000, history_days: int = 30, work_dir: Path | None = None,
                      log=print) -> dict:
    """Day N+1 on a warehouse holding N days vs a day on a fresh warehouse.

    History is landed day by day (ingest + extraction, the raw layer grows as in
    production), then built once by dbt (the marts are full rebuilds, so one build
    over N days leaves the same state as N daily builds). Then the full daily run
    of day N+1 is timed stage by stage and compared with day 1 on an empty
    warehouse. Events per day are reported so a growth in traffic is visible.
    """
    import shutil
    import tempfile
    from datetime import timedelta

    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.production import extract_day

    root = Path(work_dir or tempfile.mkdtemp(prefix="sehat-bench-incr-"))
    fresh, history = root / "fresh", root / "history"
    try:
        log(f"generate {customers:,} customers, {history_days + 1} days")
        run_stage("generate", BENCH_START, history, str(customers), str(history_days + 1))
        # the fresh warehouse reads the same source files
        fresh.mkdir(parents=True, exist_ok=True)
        (fresh / "data").symlink_to(history / "data", target_is_directory=True)

        def daily(home: Path, day: date) -> dict:
            return {name: run_stage(target, day, home) for name, target in STAGES.items()}

        log("day 1 on a fresh warehouse")
        first = daily(fresh, BENCH_START)
        cfg = _settings_for(history)
        t = time.perf_counter()
        for i in range(history_days):
            day = BENCH_START + timedelta(days=i)
            ingest_day(day, cfg)
            extract_day(day, cfg)
        land_seconds = time.perf_counter() - t
        last = BENCH_START + timedelta(days=history_days - 1)
        log(f"{history_days} days landed in {land_seconds:.0f}s; dbt build as of {last}")
        run_stage(STAGES["dbt_build"], last, history)
        next_day = BENCH_START + timedelta(days=history_days)
        log(f"day {history_days + 1} on the warehouse holding {history_days} days")
        after = daily(history, next_day)
        size_mb = round(cfg.warehouse_path.stat().st_size / 2**20, 1)
    finally:
        if work_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    total_first = sum(s["seconds"] for s in first.values())
    total_after = sum(s["seconds"] for s in after.values())
    events_first = first["ingest_clevertap"]["rows"]
    events_after = after["ingest_clevertap"]["rows"]
    return {
        "customers": customers,
        "history_days": history_days,
        "fresh_day_seconds": round(total_first, 2),
        "day_n_plus_1_seconds": round(total_after, 2),
        "ratio": round(total_after / total_first, 3),
        "ratio_per_event": round((total_after / max(events_after, 1)) / (total_first / max(events_first, 1)), 3),
        "target_ratio": 1.3,
        "events_fresh_day": events_first,
        "events_day_n_plus_1": events_after,
        "warehouse_mb_after_history": size_mb,
        "per_stage_ratio": {n: round(after[n]["seconds"] / first[n]["seconds"], 2) if first[n]["seconds"] else None
                            for n in STAGES},
        "fresh_day": first,
        "day_n_plus_1": after,
    }


# --------------------------------------------------------------------------- report: table + plot


def scale_table(results: list[dict], command: str) -> str:
    """Markdown: seconds and peak MB per stage (rows) per scale (columns), plus ceilings."""
    names = list(dict.fromkeys(n for r in results for n in r["stages"]))
    head = "| stage | " + " | ".join(f"{r['customers']:,} customers" for r in results) + " |"
    sep = "|---|" + "---|" * len(results)
    rows = [head, sep]
    for n in names:
        cells = []
        for r in results:
            s = r["stages"].get(n)
            cells.append(f"{s['seconds']:.1f} s / {s['peak_mb']:.0f} MB" if s else "")
        rows.append(f"| {n} | " + " | ".join(cells) + " |")
    rows.append("| **daily run (all stages but generate)** | "
                + " | ".join(f"**{r['daily_run_seconds']:.1f} s**" for r in results) + " |")
    ceil_keys = [
        ("export_lines", "export lines per run"),
        ("sehat_ingest_lines_per_s", "Sehat ingest, lines/s"),
        ("duckdb_read_json_lines_per_s", "DuckDB read_json ceiling, lines/s"),
        ("sehat_ingest_vs_duckdb_ceiling", "ingest / ceiling (target >= 0.8)"),
        ("pandas_loader_lines_per_s", "plain pandas loader, lines/s"),
        ("sehat_extract_rows_per_s", "Sehat extraction, rows/s"),
        ("duckdb_copy_rows_per_s", "DuckDB whole-table copy, rows/s"),
    ]
    for key, label in ceil_keys:
        rows.append(f"| {label} | " + " | ".join(
            f"{r.get('ceilings', {}).get(key, ''):,}" if isinstance(r.get("ceilings", {}).get(key), int)
            else str(r.get("ceilings", {}).get(key, "")) for r in results) + " |")
    return (f"# Scale benchmark\n\nCommand: `{command}`\n\nMachine: {machine()}\n\n"
            "Each cell: wall time inside the stage's own process / its peak resident memory.\n\n"
            + "\n".join(rows) + "\n")


def scale_plot(results: list[dict], out: Path) -> Path:
    """Grouped bars: seconds per stage, one group per scale (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(n for r in results for n in r["stages"]))
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / max(len(results), 1)
    for i, r in enumerate(results):
        xs = [j + i * width for j in range(len(names))]
        ax.bar(xs, [r["stages"].get(n, {}).get("seconds", 0) for n in names], width,
               label=f"{r['customers']:,} customers")
    ax.set_xticks([j + width * (len(results) - 1) / 2 for j in range(len(names))], names, rotation=20)
    ax.set_ylabel("seconds (log)")
    ax.set_yscale("log")
    ax.set_title("Sehat: time per stage per scale (one day)")
    ax.legend()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
