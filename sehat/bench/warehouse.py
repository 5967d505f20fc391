"""The warehouse benchmarks: the daily run per stage at several scales, day N+1 vs a fresh day,
CleverTap ingest vs the DuckDB ceiling, and PostgreSQL extraction.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from datetime import date
from pathlib import Path

import duckdb

from sehat.bench.results import machine
from sehat.config import REPO_ROOT, Settings
from sehat.daily import STEPS


def bench_extraction(postgres_url: str, rows: int = 2_000_000, work_dir: Path | None = None) -> dict:
    """PostgreSQL -> DuckDB through Sehat's extraction path on an 8-column table of ``rows`` rows.

    Also measures psycopg ``COPY ... TO STDOUT`` into DuckDB's CSV reader, the
    second-fastest route measured (docs/design.md, "Extracting from PostgreSQL"), as the comparison.
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
        with (
            psycopg.connect(postgres_url) as pg,
            open(csv_path, "wb") as f,
            pg.cursor().copy(f"COPY {schema}.bench TO STDOUT (FORMAT csv)") as copy,
        ):
            f.writelines(copy)
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


def bench_clevertap_ingest(cfg: Settings, days: list[date], pandas_sample_files: int = 20,
                           repeats: int = 1) -> dict:
    """Sehat's CleverTap ingest vs DuckDB reading the same files straight into a table (the ceiling)
    vs a plain pandas loader (what a newcomer would write; timed on a sample of files).

    Each day's ingest runs in its own process (as in ``bench scale``), so its peak memory is its own.
    With ``repeats`` > 1 the ingest and the ceiling alternate that many times and the medians are
    compared, so a busy neighbour slows both alike.
    """
    from statistics import median

    files = _export_files(cfg, days)
    runs: list[list[dict]] = []
    ceiling_runs: list[float] = []
    for _ in range(repeats):
        runs.append([run_stage(STAGES["ingest_clevertap"], d, cfg.home) for d in days])
        ceiling_runs.append(_read_json_ceiling_seconds(cfg, files))
    ingest_runs = [sum(r["seconds"] for r in rs) for rs in runs]
    sehat_seconds, ceiling_seconds = median(ingest_runs), median(ceiling_runs)
    read = sum(r["rows"] for r in runs[0])
    figures = clevertap_ceiling(cfg, days, sehat_seconds, pandas_sample_files, ceiling_seconds=ceiling_seconds)
    return {
        "days": len(days),
        "records_read": read,
        "repeats": repeats,
        "sehat_seconds": round(sehat_seconds, 2),
        "sehat_seconds_per_repeat": [round(x, 3) for x in ingest_runs],
        "duckdb_read_json_seconds_per_repeat": [round(x, 3) for x in ceiling_runs],
        "sehat_ingest_vs_duckdb_ceiling_per_repeat": [round(c / i, 3) for c, i in zip(ceiling_runs, ingest_runs)],
        "sehat_import_seconds": round(median(sum(r["import_seconds"] for r in rs) for rs in runs), 2),
        "sehat_peak_mb": max(r["peak_mb"] for rs in runs for r in rs),
        "sehat_records_per_s": round(read / sehat_seconds) if sehat_seconds else None,
        **figures,
        "target_vs_ceiling": 0.8,
    }


def clevertap_ceiling(cfg: Settings, days: list[date], ingest_seconds: float | None,
                      pandas_sample_files: int = 10, ceiling_seconds: float | None = None) -> dict:
    """The export files of ``days`` read by DuckDB straight into a table (no validation, no
    quarantine: the ceiling) and by a plain pandas loader (gzip + json.loads + json_normalize,
    timed on a sample of files), compared with Sehat's ingest of the same days.

    The ratio is on export lines over the whole ingest stage: a conservative figure, as the
    stage also loads the API pages, which the ceiling does not read. ``ceiling_seconds``: the
    ceiling already measured (``bench_clevertap_ingest`` alternates it with the ingest).
    """
    import pandas as pd

    files = _export_files(cfg, days)
    lines = _count_lines(files)
    if ceiling_seconds is None:
        ceiling_seconds = _read_json_ceiling_seconds(cfg, files)

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

    out = {
        "export_files": len(files),
        "export_lines": lines,
        "duckdb_read_json_seconds": round(ceiling_seconds, 3),
        "duckdb_read_json_lines_per_s": round(lines / ceiling_seconds) if ceiling_seconds else None,
        "pandas_loader_lines_per_s": round(pandas_lines / pandas_seconds) if pandas_seconds else None,
    }
    if ingest_seconds:
        out["sehat_ingest_lines_per_s"] = round(lines / ingest_seconds)
        out["sehat_ingest_vs_duckdb_ceiling"] = round(ceiling_seconds / ingest_seconds, 3)
        out["sehat_ingest_vs_pandas"] = (
            round((lines / ingest_seconds) / (pandas_lines / pandas_seconds), 2) if pandas_seconds else None)
    return out


def _export_files(cfg: Settings, days: list[date]) -> list[Path]:
    """The cloud-export files of ``days`` (what the ceiling reads)."""
    from sehat.sources.clevertap import export_glob

    return sorted(f for d in days for f in cfg.clevertap_export_dir.glob(export_glob(d)))


def _read_json_ceiling_seconds(cfg: Settings, files: list[Path]) -> float:
    """Seconds for DuckDB to read the export files straight into a table of a new file (the ceiling)."""
    db = cfg.home / "bench_ceiling.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        t = time.perf_counter()
        con.execute(
            "CREATE TABLE events AS SELECT * FROM read_json(?, format='newline_delimited', ignore_errors=true,"
            " union_by_name=true, maximum_object_size=16777216)",
            [[str(f) for f in files]],
        )
        return time.perf_counter() - t
    finally:
        con.close()
        db.unlink(missing_ok=True)


def _count_lines(files: list[Path]) -> int:
    n = 0
    for f in files:
        try:
            with gzip.open(f, "rb") as fh:
                n += sum(1 for _ in fh)
        except (EOFError, OSError):
            pass
    return n


# =========================================================================== scale benchmark
#
# Each stage of the daily run executes in its own child process, so its wall time
# and its peak resident memory (the child's own, or that of a subprocess it starts,
# such as dbt) are measured in isolation and one stage's memory never inflates the
# next one's. A stage is a function ``fn(day: date, cfg: Settings)``; add one
# (e.g. a model's training once it lands) with a single line:
#
#     register_stage("train_x", "ml.x:bench_stage")

STAGES: dict[str, str] = {}
DEFAULT_SCALES = (10_000, 100_000, 1_000_000)
BENCH_START = date(2026, 11, 1)


def register_stage(name: str, target: str) -> None:
    """Add a daily stage to the scale benchmark: ``target`` is ``"module:function"`` taking ``(day, cfg)``."""
    if ":" not in target:
        raise ValueError(f"stage target {target!r} must look like 'package.module:function'")
    STAGES[name] = target


def stage_customer_view(day: date, cfg: Settings):
    """The customer view and segments alone, rebuilt for the day (issue 5's target), after a full build."""
    from sehat.transform.dbt import dbt_build

    return dbt_build(select="+dim_customers marts.segments", vars={"as_of_date": day.isoformat()}, cfg=cfg,
                     on_line=lambda _line: None)


def stage_train_prescriptions(day: date, cfg: Settings):
    from ml.prescriptions.job import daily_work_dir, train_and_evaluate

    train_and_evaluate(daily_work_dir(f"bench__{day.isoformat()}", cfg), cfg)


def stage_train_sape(day: date, cfg: Settings):
    from ml.sape.job import NotEnoughLabels
    from sehat.release.sape import train_candidate

    try:
        train_candidate(f"bench__{day.isoformat()}", cfg)
    except NotEnoughLabels as exc:  # too few labelled consultations at a small scale: say so in the figures
        return {"skipped": str(exc)}


def stage_train_personalisation(day: date, cfg: Settings):
    """Cohorts, recommendations and content ranking, as the sehat_personalisation DAG runs them."""
    from ml.personalisation.job import rank_content, train_cohorts, train_recommendations
    from sehat.warehouse import refresh_reader

    train_cohorts(cfg)
    refresh_reader(cfg)
    train_recommendations(cfg)
    rank_content(cfg)


# The daily run (sehat.daily.STEPS, in the order the DAGs run it), then the daily retrains.
for _step in STEPS:
    register_stage(_step.name, f"sehat.daily:{_step.run.__name__}")
register_stage("train_prescriptions", "sehat.bench.warehouse:stage_train_prescriptions")
register_stage("train_sape", "sehat.bench.warehouse:stage_train_sape")
register_stage("train_personalisation", "sehat.bench.warehouse:stage_train_personalisation")
# Not part of the daily run (it repeats a slice of dbt_build): measured for its own target.
register_stage("customer_view", "sehat.bench.warehouse:stage_customer_view")
EXTRA_STAGES = {"customer_view"}


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
# VmHWM, not ru_maxrss: Linux carries the forking parent's peak across fork + exec into ru_maxrss,
# so a small stage would report the benchmark process's own size. Children (dbt) report ru_maxrss,
# floored by this process's size when it forked them, which their own peak exceeds anyway.
own_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
peak = max(own_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("SEHAT_STAGE " + json.dumps({"seconds": seconds, "import_seconds": import_seconds, "peak_mb": peak / 1024,
      "rows": result if isinstance(result, dict) else rows(result)}))
"""


def _bench_env(home: Path) -> dict[str, str]:
    from sehat.config import home_environ

    env = home_environ(home)
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
    from sehat.config import sehat_home

    with sehat_home(home) as cfg:
        return cfg


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
                if isinstance(r["rows"], dict) and "skipped" in r["rows"]:
                    acc["skipped"] = r["rows"]["skipped"]
        daily = [n for n in figures["stages"] if n != "generate" and n not in EXTRA_STAGES]
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

    * CleverTap: see :func:`clevertap_ceiling`;
    * production: DuckDB copying every table of the same source whole, with no
      watermark or quarantine (``CREATE TABLE AS SELECT *``), vs Sehat's extraction.
    """
    from sehat.sources.production import TABLES
    from sehat.warehouse import attach_source

    out = clevertap_ceiling(cfg, days, ingest_seconds, pandas_sample_files)
    db = cfg.home / "bench_ceiling.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    prefix = attach_source(con, cfg.production_url)
    t = time.perf_counter()
    copied = 0
    for name in TABLES:
        con.execute(f"CREATE TABLE copy_{name} AS SELECT * FROM {prefix}.{name}")
        copied += con.execute(f"SELECT count(*) FROM copy_{name}").fetchone()[0]
    copy_seconds = time.perf_counter() - t
    con.close()
    db.unlink(missing_ok=True)

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
    production), then built once by dbt (incremental models are built in full the
    first time, which leaves the same tables as N daily builds). Then the daily run
    of day N+1 and day 1 on an empty warehouse are timed stage by stage, the two
    runs interleaved (fresh stage, then the same stage on the history) so that a
    machine shared with other work slows both alike; each stage's CPU seconds
    (user + system of the stage's process tree) are reported next to its wall time
    as the load-independent figure. Events per day are reported so a growth in
    traffic is visible.
    """
    import shutil
    import tempfile
    from datetime import timedelta

    root = Path(work_dir or tempfile.mkdtemp(prefix="sehat-bench-incr-"))
    fresh, history = root / "fresh", root / "history"
    try:
        log(f"generate {customers:,} customers, {history_days + 1} days")
        run_stage("generate", BENCH_START, history, str(customers), str(history_days + 1))
        # the fresh warehouse reads the same source files
        fresh.mkdir(parents=True, exist_ok=True)
        (fresh / "data").symlink_to(history / "data", target_is_directory=True)

        cfg = _settings_for(history)
        last = BENCH_START + timedelta(days=history_days - 1)
        land_seconds = run_stage("sehat.bench.warehouse:_land_until", last, history)["seconds"]
        log(f"{history_days} days landed in {land_seconds:.0f}s; dbt build as of {last}")
        run_stage(STAGES["dbt_build"], last, history)
        next_day = BENCH_START + timedelta(days=history_days)
        log(f"day 1 on a fresh warehouse and day {history_days + 1} on the one holding {history_days} days,"
            " stage by stage")
        first, after = {}, {}
        for name, target in STAGES.items():
            first[name] = _stage_with_cpu(target, BENCH_START, fresh)
            after[name] = _stage_with_cpu(target, next_day, history)
        size_mb = round(cfg.warehouse_path.stat().st_size / 2**20, 1)
    finally:
        if work_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    total_first = sum(s["seconds"] for s in first.values())
    total_after = sum(s["seconds"] for s in after.values())
    cpu_first = sum(s["cpu_seconds"] for s in first.values())
    cpu_after = sum(s["cpu_seconds"] for s in after.values())
    events_first = first["ingest_clevertap"]["rows"]
    events_after = after["ingest_clevertap"]["rows"]
    return {
        "customers": customers,
        "history_days": history_days,
        "fresh_day_seconds": round(total_first, 2),
        "day_n_plus_1_seconds": round(total_after, 2),
        "ratio": round(total_after / total_first, 3),
        "ratio_per_event": round((total_after / max(events_after, 1)) / (total_first / max(events_first, 1)), 3),
        "fresh_day_cpu_seconds": round(cpu_first, 2),
        "day_n_plus_1_cpu_seconds": round(cpu_after, 2),
        "cpu_ratio": round(cpu_after / cpu_first, 3),
        "target_ratio": 1.3,
        "events_fresh_day": events_first,
        "events_day_n_plus_1": events_after,
        "warehouse_mb_after_history": size_mb,
        "per_stage_ratio": {n: round(after[n]["seconds"] / first[n]["seconds"], 2) if first[n]["seconds"] else None
                            for n in STAGES},
        "per_stage_cpu_ratio": {n: round(after[n]["cpu_seconds"] / first[n]["cpu_seconds"], 2)
                                if first[n]["cpu_seconds"] else None for n in STAGES},
        "fresh_day": first,
        "day_n_plus_1": after,
    }


def _land_until(day: date, cfg: Settings) -> None:
    """Land every day from BENCH_START to ``day`` (ingest + extraction), in a stage's child process:
    a child's peak memory counts its parent's (rusage survives fork + exec), so the history is not
    landed in the benchmark's own process."""
    from datetime import timedelta

    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.production import extract_day

    for i in range((day - BENCH_START).days + 1):
        ingest_day(BENCH_START + timedelta(days=i), cfg)
        extract_day(BENCH_START + timedelta(days=i), cfg)


def _stage_with_cpu(target: str, day: date, home: Path) -> dict:
    """:func:`run_stage` plus ``cpu_seconds``: user + system time of the stage's process tree.

    Wall time on a shared machine measures the neighbours as much as the stage; CPU time
    (from the children's rusage, which includes the dbt subprocess the stage waits for)
    measures the work done, including the child's start-up and imports.
    """
    import resource

    def used() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    before = used()
    out = run_stage(target, day, home)
    return out | {"cpu_seconds": round(used() - before, 3)}


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
    rows.append("| **daily run (every stage but generate and customer_view)** | "
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
    ax.set_xticks([j + width * (len(results) - 1) / 2 for j in range(len(names))], names, rotation=30, ha="right")
    ax.set_ylabel("seconds (log)")
    ax.set_yscale("log")
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.set_title("Sehat: time per stage per scale (one day)")
    # below the axes: inside them the legend covered the largest scale's bars
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=len(results), frameon=False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
