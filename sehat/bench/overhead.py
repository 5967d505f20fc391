"""The fixed cost of a day: where a small day's time goes, step by step (``sehat bench overhead``).

For each scale (default 1,000 and 10,000 customers) a world of three days is generated (not timed),
then :func:`sehat.daily.run_day` runs, in this process, the first day (an empty warehouse: a full dbt
parse, every table created) and the second day (the daily case: the figure the targets are about).
For each day it records:

* the wall time of every step of :data:`sehat.daily.STEPS`;
* the ``dbt build`` split by phase: the enrichment step, dbt's process start and parse (the
  subprocess' wall time minus dbt's own elapsed time in ``run_results.json``) and the execution, and
  by node type (count and summed node seconds; with 4 threads the sums exceed the elapsed time);
* the release gate per segment (``validate_many``'s own seconds per export);
* with ``--airflow`` (the first scale only): the third day through the real scheduler
  (:func:`sehat.orchestrate.run_through_scheduler`), and from Airflow's task instances what Airflow
  adds per task: each task's duration against its step's in-process time, and the wait between a
  task's upstream finishing and the task starting (scheduling latency).

Data generation is excluded from every figure. The worlds are the generator's: the figures are
measured on generated data.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from sehat.bench.results import machine
from sehat.config import sehat_home

START = date(2026, 11, 1)


def bench_overhead(scales: tuple[int, ...] = (1_000, 10_000), work_dir: Path | None = None,
                   airflow: bool = True, log=print) -> dict:
    import tempfile

    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="sehat-overhead-"))
    out = {"machine": machine(), "scales": {}}
    for i, customers in enumerate(scales):
        out["scales"][str(customers)] = measure_scale(customers, work_dir / f"c{customers}",
                                                      airflow=airflow and i == 0, log=log)
    return out


def measure_scale(customers: int, home: Path, *, airflow: bool = False, log=print) -> dict:
    from sehat.daily import run_day
    from sehat.generate import GenerateConfig, generate

    home.mkdir(parents=True, exist_ok=True)
    with sehat_home(home, DBT_TARGET_PATH=str(home / "target")) as cfg:
        t = time.perf_counter()
        generate(GenerateConfig(customers=customers, days=3, start=START, seed=7, data_dir=cfg.data_dir))
        log(f"{customers:,} customers: generated in {time.perf_counter() - t:.0f}s (not counted)")
        figures = {"customers": customers}
        for label, day in (("first_day", START), ("day", START + timedelta(days=1))):
            started = time.perf_counter()
            raw: dict = {}
            out = run_day(day, cfg, log=lambda line: None, results=raw)
            total = time.perf_counter() - started
            figures[label] = {"date": day.isoformat(), "total_seconds": round(total, 2),
                              "steps": out["seconds"], "dbt": _dbt_split(raw["dbt_build"]),
                              "gate_seconds_per_segment": raw["validate_segments"].get("seconds", {})}
            log(f"{customers:,} customers, {label} {day}: {total:.1f}s "
                + ", ".join(f"{k} {v:.1f}" for k, v in out["seconds"].items()))
        if airflow:
            figures["airflow"] = _through_airflow(START + timedelta(days=2), cfg, figures["day"]["steps"], log)
    return figures


def _dbt_split(result) -> dict:
    """Phases and node types of one ``dbt build`` (a :class:`sehat.transform.DbtResult`)."""
    run_results = json.loads(Path(result.run_results_path).read_text()) if result.run_results_path else {}
    execution = float(run_results.get("elapsed_time") or 0.0)
    subprocess_wall = float(result.stages.get("dbt", result.elapsed_seconds))
    by_type: dict[str, dict] = defaultdict(lambda: {"count": 0, "node_seconds": 0.0})
    for node in result.nodes:
        by_type[node.resource_type]["count"] += 1
        by_type[node.resource_type]["node_seconds"] += node.seconds
    return {
        "total_seconds": round(result.elapsed_seconds, 2),
        "enrich_seconds": round(float(result.stages.get("enrich", 0.0)), 2),
        "dbt_wall_seconds": round(subprocess_wall, 2),
        "start_and_parse_seconds": round(subprocess_wall - execution, 2),
        "execution_seconds": round(execution, 2),
        "threads": int(os.environ.get("SEHAT_DBT_THREADS", "4")),  # profiles.yml default
        "nodes": {k: {"count": v["count"], "node_seconds": round(v["node_seconds"], 2)}
                  for k, v in sorted(by_type.items())},
    }


def _through_airflow(day: date, cfg, in_process_steps: dict[str, float], log) -> dict:
    """One day through the real scheduler; what Airflow adds per task, from its task instances."""
    import sqlite3

    from sehat.orchestrate import run_through_scheduler
    from sehat.orchestrate.env import airflow_env

    result = run_through_scheduler([day], cfg=cfg, timeout=1200, retries=0)
    if not result.ok:
        raise RuntimeError(f"the Airflow day failed: {result.failures}")
    db = airflow_env(cfg)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT dag_id, run_id, task_id, julianday(queued_dttm), julianday(start_date), julianday(end_date)"
            " FROM task_instance WHERE dag_id IN ('sehat_ingest', 'sehat_transform', 'sehat_publish')"
            " AND state = 'success'").fetchall()
    day_s = 86_400.0
    tasks, waits, extra = {}, [], []
    ends = {(d, r, t): e for d, r, t, _q, _s, e in rows}
    for dag_id, run_id, task_id, queued, start, end in rows:
        duration = (end - start) * day_s
        tasks[f"{dag_id}.{task_id}"] = round(duration, 2)
        if task_id in in_process_steps:
            extra.append(duration - in_process_steps[task_id])
        upstream = [e for (d, r, _t), e in ends.items() if d == dag_id and r == run_id and e < start]
        if upstream:
            waits.append((start - max(upstream)) * day_s)
    wall = (max(r[5] for r in rows) - min(r[3] or r[4] for r in rows)) * day_s  # first queued to last done
    figures = {
        "date": day.isoformat(),
        "tasks": len(rows),
        "day_wall_seconds": round(wall, 1),
        "in_process_day_seconds": round(sum(in_process_steps.values()), 1),
        "task_seconds": tasks,
        "median_in_task_overhead_seconds": round(statistics.median(extra), 2) if extra else None,
        "median_scheduling_wait_seconds": round(statistics.median(waits), 2) if waits else None,
        "method": "task duration minus the same step's in-process time (day 2 of the same world: process start, "
                  "DAG parse, imports, XCom); wait = a task's start minus its latest finished upstream in "
                  "the same run; from the task_instance table of the run's SQLite metadata database",
    }
    log(f"Airflow day {day}: {wall:.0f}s wall for {len(rows)} tasks; median in-task overhead "
        f"{figures['median_in_task_overhead_seconds']}s, "
        f"median scheduling wait {figures['median_scheduling_wait_seconds']}s")
    return figures
