"""The daily run: its steps, in order, and a runner that does them in one process.

Airflow runs these steps as the tasks of three Asset-chained DAGs (``dags/sehat_ingest.py``,
``sehat_transform.py``, ``sehat_publish.py``). :data:`STEPS` is the one list of them: each step is
named after its task and says which DAG runs it, and each DAG task body is one call to the
domain function the step calls. ``tests/dags/test_dag_integrity.py`` checks that the DAGs hold
exactly these tasks (plus their Airflow-only wiring) in this order. :func:`run_day` runs the same
list in one process, for debugging a day without a scheduler; the benchmarks time the steps one
by one (``sehat.bench.warehouse``).

Every step is ``step(day, cfg, run_id, earlier)``: ``earlier`` holds the results of the day's
steps before it (a step run on its own, as the benchmark does, gets an empty one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sehat.config import Settings, settings

SEGMENT = "consulted_no_order_30d"
"""The segment the publish DAG gates and publishes first; the other declared segments follow."""


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# ------------------------------------------------------------------------------------------ the steps


def ingest_clevertap(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """CleverTap export files + API pages of the day -> ``raw.clevertap_events`` / quarantine."""
    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.empty_day import require_export_files

    report = ingest_day(day, cfg)
    require_export_files(report)  # no file at all: stop the day unless declared empty (SEHAT_EMPTY_DAYS_OK)
    return report


def extract_production(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """Production tables changed before day + 1 -> ``raw.prod_<table>``."""
    from sehat.ingest.production import extract_day

    return extract_day(day, cfg)


def load_labels(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """The labelling team's SAPE label files -> ``raw.sape_*_labels``."""
    from sehat.ingest.labels import ingest_day

    return ingest_day(day, cfg)


def erase_deleted_users(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """Purge the raw personal data of users deleted at the source and of erasure requests, after
    the loads (which may have brought some back) and before dbt builds on them (``sehat.erasure``)."""
    from sehat.erasure import erase

    return erase(cfg, day)


def dbt_build(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """The enrichment step (``enriched.*``), then ``dbt build --vars {as_of_date: day}`` (a subprocess: DuckDB has one writer)."""
    from sehat.transform.dbt import dbt_build as build

    return build(vars={"as_of_date": day.isoformat()}, cfg=cfg)


def refresh_reader(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """Copy the warehouse to the read-only snapshot (atomic rename)."""
    from sehat.warehouse import refresh_reader as refresh

    return refresh(cfg)


def validate_segment(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """The quality gate of :data:`SEGMENT`; stages a candidate, raises if it fails."""
    from sehat.release.exports import validate_export

    return validate_export(SEGMENT, day, run_id or _run_id(day), cfg)


def publish_segment(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """Promote :data:`SEGMENT`'s validated candidate."""
    from sehat.release.exports import publish_export

    return publish_export(SEGMENT, run_id or _run_id(day), cfg)


def validate_segments(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """The gate of every other declared segment, each on its own: ``{"passed": [...], "failed": {...}}``."""
    from sehat.release.exports import other_segments, validate_many

    return validate_many(other_segments(), day, run_id or _run_id(day), cfg)


def publish_segments(day: date, cfg: Settings, run_id: str = "", earlier: Mapping | None = None):
    """Publish the segments that passed (all others' candidates when run on its own)."""
    from sehat.release.exports import other_segments, publish_many

    gated = (earlier or {}).get("validate_segments")
    names = gated["passed"] if gated else other_segments()
    return publish_many(names, run_id or _run_id(day), cfg)


def _run_id(day: date) -> str:
    return f"inprocess__{day.isoformat()}"


@dataclass(frozen=True)
class Step:
    name: str
    """The task id in the DAG."""
    dag_id: str
    run: Callable
    writes_warehouse: bool
    """Writes the DuckDB file: the DAG task holds the single writer slot."""


STEPS: tuple[Step, ...] = (
    Step("ingest_clevertap", "sehat_ingest", ingest_clevertap, True),
    Step("extract_production", "sehat_ingest", extract_production, True),
    Step("load_labels", "sehat_ingest", load_labels, True),
    Step("erase_deleted_users", "sehat_ingest", erase_deleted_users, True),
    Step("dbt_build", "sehat_transform", dbt_build, True),
    Step("refresh_reader", "sehat_transform", refresh_reader, True),
    Step("validate_segment", "sehat_publish", validate_segment, False),
    Step("publish_segment", "sehat_publish", publish_segment, False),
    Step("validate_segments", "sehat_publish", validate_segments, False),
    Step("publish_segments", "sehat_publish", publish_segments, False),
)
"""The daily run, in order. The DAGs run these, in this order, as Asset-chained DAGs."""

DAG_IDS: tuple[str, ...] = tuple(dict.fromkeys(s.dag_id for s in STEPS))
"""The daily DAGs in the order the Assets chain them."""


# ------------------------------------------------------------------------------------------ the runner


def run_day(day: date, cfg: Settings | None = None, log: Callable[[str], None] = print) -> dict:
    """Every step of :data:`STEPS` for one day, in order, in this process.

    Returns ``{"day", "seconds": {step: s}, "results": {step: plain result}}``; a failing step
    (a failed gate) raises and stops the day, as its task stops the DAG.
    """
    cfg = cfg or settings()
    run_id = _run_id(day)
    earlier: dict[str, object] = {}
    seconds: dict[str, float] = {}
    for step in STEPS:
        started = time.perf_counter()
        earlier[step.name] = step.run(day, cfg, run_id, earlier)
        seconds[step.name] = round(time.perf_counter() - started, 3)
        log(f"{day} {step.name}: {seconds[step.name]:.1f}s")
    return {"day": day.isoformat(), "seconds": seconds, "results": {k: _plain(v) for k, v in earlier.items()}}


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, Mapping):
        return dict(value)
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
