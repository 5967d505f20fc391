"""The daily pipeline as plain function calls, in the order the DAGs run them.

Airflow runs these steps as tasks of three Asset-chained DAGs (``dags/``);
this module runs the same steps in one process, for benchmarks and for
debugging a day without a scheduler. Keep the two in step: a DAG task body is
one call to a function used here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

from sehat.config import Settings, settings

SEGMENT = "consulted_no_order_30d"


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def run_day(day: date, cfg: Settings | None = None, log: Callable[[str], None] = print) -> dict:
    """Ingest, transform, gate and publish one day. Returns seconds per stage and the reports."""
    from sehat.ingest import labels
    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.production import extract_day
    from sehat.release.exports import (
        other_segments,
        publish_export,
        publish_many,
        validate_export,
        validate_many,
    )
    from sehat.transform import dbt_build
    from sehat.warehouse import refresh_reader

    cfg = cfg or settings()
    run_id = f"inprocess__{day.isoformat()}"
    timings: dict[str, float] = {}
    out: dict = {"day": day.isoformat(), "seconds": timings}

    def stage(name, fn):
        t = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - t, 3)
        log(f"{day} {name}: {timings[name]:.1f}s")
        return result

    out["clevertap"] = stage("ingest_clevertap", lambda: ingest_day(day, cfg)).as_dict()
    out["production"] = [r.as_dict() for r in stage("extract_production", lambda: extract_day(day, cfg))]
    out["labels"] = [r.as_dict() for r in stage("load_labels", lambda: labels.ingest_day(day, cfg))]
    out["dbt"] = stage("dbt_build", lambda: dbt_build(vars={"as_of_date": day.isoformat()})).as_dict()
    stage("refresh_reader", lambda: refresh_reader(cfg))
    out["gate"] = stage("gate", lambda: validate_export(SEGMENT, day, run_id, cfg))
    out["published"] = stage("publish", lambda: publish_export(SEGMENT, run_id, cfg))["publication_id"]
    # every other declarative segment (dbt_project/segments/*.yml): each gated and published once, on its own
    gated = stage("gate_segments", lambda: validate_many(other_segments(), day, run_id, cfg))
    out["segments"] = stage("publish_segments", lambda: publish_many(gated["passed"], run_id, cfg))
    out["segments"]["gate_failed"] = gated["failed"]
    return out
