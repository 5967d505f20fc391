"""The daily run: its steps, in order, defined once; Airflow and the in-process runner both call them.

Airflow runs these steps as the tasks of three Asset-chained DAGs (``dags/sehat_ingest.py``,
``sehat_transform.py``, ``sehat_publish.py``): every task body is one call to
``sehat_airflow.common.run_step(<step name>)``, which calls the step below for the run's day(s).
:func:`run_day` runs the same list in one process (``sehat run --mode inprocess``, the tests and the
benchmarks). A step does everything its task does: the checks, the warnings, the one-line log per
load. ``tests/dags/test_dag_integrity.py`` holds every task of the daily DAGs to a step of
:data:`STEPS`, in this order, with the writer pool exactly on the steps that write the warehouse.

Every step is ``step(day, cfg, ctx=None)``. :class:`DayContext` carries what a run adds to the day:
its id, its options (``allow_shrink``), the results of the day's earlier steps and where warnings
go (the DAGs: the alerts file; in process: the log). A step called on its own (the benchmark does)
gets a fresh context.

The publish steps gate every declared segment on its own (``validate_segments``), publish those that
passed (``publish_segments``), then fail the run with one line per rejected segment
(``check_rejected_segments``): one segment failing never holds back the others.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sehat.config import Settings, settings
from sehat.errors import SehatError

log = logging.getLogger(__name__)


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass
class DayContext:
    """What a run adds to the day a step works on."""

    run_id: str = ""
    """The Airflow run id (publication ids and gate folders carry it); in process ``inprocess__<day>``."""
    options: Mapping[str, object] = field(default_factory=dict)
    """Run options: ``allow_shrink`` (let a rerun load fewer CleverTap files than its last load)."""
    earlier: dict[str, object] = field(default_factory=dict)
    """Results of the day's steps that ran before, by step name (empty for a step run alone)."""
    warn: Callable[[str], None] = field(default=lambda message: log.warning("%s", message))
    """Something an engineer must see although the step succeeds (the DAGs add an alert line)."""

    def run_id_for(self, day: date) -> str:
        return self.run_id or f"inprocess__{day.isoformat()}"


class SegmentsRejected(SehatError):
    """At least one segment failed its gate or its publication; the others are live."""

    retry = False  # the data will not change by retrying: the DAG task fails at once


# ------------------------------------------------------------------------------------------ the steps


def ingest_clevertap(day: date, cfg: Settings, ctx: DayContext | None = None):
    """CleverTap export files + API pages of the day -> ``raw.clevertap_events`` / quarantine.

    A rerun that would load fewer files than the day's last load is refused unless the run's option
    ``allow_shrink`` (or ``SEHAT_CLEVERTAP_ALLOW_SHRINK``) allows it; a day without any file stops the
    run unless declared empty (``SEHAT_EMPTY_DAYS_OK``). Warnings (unrecognised landing files, broken
    API page chains, late files) go to ``ctx.warn``.
    """
    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.empty_day import require_export_files

    ctx = ctx or DayContext()
    allow_shrink = True if ctx.options.get("allow_shrink") else None  # None: the setting decides
    report = ingest_day(day, cfg, allow_shrink=allow_shrink)
    log_loads(report)
    for warning in report.detail.get("warnings", []):
        ctx.warn(warning)
    require_export_files(report)  # no file at all: stop the day unless declared empty
    return report


def extract_production(day: date, cfg: Settings, ctx: DayContext | None = None):
    """Production tables changed before day + 1 -> ``raw.prod_<table>`` (one batch per day)."""
    from sehat.ingest.production import extract_day

    reports = extract_day(day, cfg)
    log_loads(reports)
    return reports


def load_labels(day: date, cfg: Settings, ctx: DayContext | None = None):
    """The labelling team's SAPE label files -> ``raw.sape_*_labels`` (replaced on each load)."""
    from sehat.ingest.labels import ingest_day

    reports = ingest_day(day, cfg)
    log_loads(reports)
    return reports


def erase_deleted_users(day: date, cfg: Settings, ctx: DayContext | None = None):
    """Purge the raw personal data of users deleted at the source and of erasure requests, after
    the loads (which may have brought some back) and before dbt builds on them (``sehat.erasure``)."""
    from sehat.erasure import erase

    return erase(cfg, day)


def dbt_build(day: date, cfg: Settings, ctx: DayContext | None = None):
    """The enrichment step (``enriched.*``), then ``dbt build`` as of ``day`` (a subprocess: DuckDB
    has one writer); raises naming the failing nodes. Unit tests run in CI, not in the daily build."""
    from sehat.transform.dbt import dbt_build as build

    return build(vars={"as_of_date": day.isoformat()}, cfg=cfg, unit_tests=False)


def refresh_reader(day: date, cfg: Settings, ctx: DayContext | None = None):
    """Copy the warehouse to the read-only snapshot (atomic rename)."""
    from sehat.warehouse import refresh_reader as refresh

    return refresh(cfg)


def validate_segments(day: date, cfg: Settings, ctx: DayContext | None = None):
    """The gate of every declared segment, each on its own: ``{"passed": [...], "failed": {...}}``."""
    from sehat.release.exports import validate_many
    from sehat.segments import segment_names

    ctx = ctx or DayContext()
    gate = validate_many(segment_names(), day, ctx.run_id_for(day), cfg)
    for name, reason in gate["failed"].items():
        log.error("segment %s not published: %s", name, reason)
    return gate


def publish_segments(day: date, cfg: Settings, ctx: DayContext | None = None):
    """Publish the segments that passed today's gate (every segment's candidate when run on its own):
    ``{"published": {name: publication id}, "failed": {name: reason}}``, gate failures included."""
    from sehat.release.exports import publish_many
    from sehat.segments import segment_names

    ctx = ctx or DayContext()
    gate = ctx.earlier.get("validate_segments") or {"passed": segment_names(), "failed": {}}
    result = publish_many(gate["passed"], ctx.run_id_for(day), cfg)
    return {"published": result["published"], "failed": {**gate["failed"], **result["failed"]}}


def check_rejected_segments(day: date, cfg: Settings, ctx: DayContext | None = None):
    """Fail the run, one line per segment, if any segment failed its gate or its publication
    (what passed is already live)."""
    ctx = ctx or DayContext()
    outcome = ctx.earlier.get("publish_segments") or {"published": {}, "failed": {}}
    if outcome["failed"]:
        lines = [f"  {name}: {reason}" for name, reason in sorted(outcome["failed"].items())]
        raise SegmentsRejected(
            f"{len(outcome['failed'])} segment(s) not published as of {day}"
            f" (published: {', '.join(sorted(outcome['published'])) or 'none'}):\n" + "\n".join(lines)
        )
    return outcome


@dataclass(frozen=True)
class Step:
    name: str
    """The task id in the DAG."""
    dag_id: str
    run: Callable
    writes_warehouse: bool
    """Writes the DuckDB file: the DAG task holds the single writer slot."""
    every_day: bool = False
    """Runs once per day when a run covers several days (dbt builds each as of its day); otherwise
    once, for the latest day."""


STEPS: tuple[Step, ...] = (
    Step("ingest_clevertap", "sehat_ingest", ingest_clevertap, True),
    Step("extract_production", "sehat_ingest", extract_production, True),
    Step("load_labels", "sehat_ingest", load_labels, True),
    Step("erase_deleted_users", "sehat_ingest", erase_deleted_users, True),
    Step("dbt_build", "sehat_transform", dbt_build, True, every_day=True),
    Step("refresh_reader", "sehat_transform", refresh_reader, True),
    Step("validate_segments", "sehat_publish", validate_segments, False),
    Step("publish_segments", "sehat_publish", publish_segments, False),
    Step("check_rejected_segments", "sehat_publish", check_rejected_segments, False),
)
"""The daily run, in order. The DAGs run these, in this order, as Asset-chained DAGs."""

DAG_IDS: tuple[str, ...] = tuple(dict.fromkeys(s.dag_id for s in STEPS))
"""The daily DAGs in the order the Assets chain them."""


def step(name: str) -> Step:
    """The step named ``name`` (a task id of a daily DAG)."""
    for s in STEPS:
        if s.name == name:
            return s
    raise KeyError(f"no daily step {name!r}; steps: {', '.join(s.name for s in STEPS)}")


def run_step(name: str, days: Iterable[date], cfg: Settings | None = None, ctx: DayContext | None = None):
    """Step ``name`` for the run's ``days`` (oldest first): every day for a per-day step (a list of
    results), else the latest day only. What a DAG task calls."""
    cfg, ctx, days = cfg or settings(), ctx or DayContext(), sorted(days)
    s = step(name)
    if s.every_day:
        return [s.run(day, cfg, ctx) for day in days]
    return s.run(days[-1], cfg, ctx)


# ------------------------------------------------------------------------------------------ the runner


def run_day(day: date, cfg: Settings | None = None, log: Callable[[str], None] = print,
            options: Mapping[str, object] | None = None, results: dict | None = None) -> dict:
    """Every step of :data:`STEPS` for one day, in order, in this process.

    Returns ``{"day", "seconds": {step: s}, "results": {step: plain result}}``; a failing step raises
    and stops the day, as its task stops the DAG (rejected segments raise :class:`SegmentsRejected`
    after the others were published, as the publish DAG does). ``results``, when given, receives
    each step's result object as it finishes (the benchmarks read dbt's run results from it).
    """
    cfg = cfg or settings()
    ctx = DayContext(options=dict(options or {}), warn=lambda message: log(f"warning: {message}"),
                     earlier=results if results is not None else {})
    seconds: dict[str, float] = {}
    for s in STEPS:
        started = time.perf_counter()
        ctx.earlier[s.name] = s.run(day, cfg, ctx)
        seconds[s.name] = round(time.perf_counter() - started, 3)
        log(f"{day} {s.name}: {seconds[s.name]:.1f}s")
    return {"day": day.isoformat(), "seconds": seconds, "results": as_plain(ctx.earlier)}


# ------------------------------------------------------------------------------------------ reporting


def as_plain(result):
    """A JSON-friendly view of a step's result (``.as_dict()``, dataclass, list, mapping, or str)."""
    if result is None or isinstance(result, str | int | float | bool):
        return result
    if isinstance(result, list | tuple):
        return [as_plain(item) for item in result]
    if isinstance(result, Mapping):
        return {str(k): as_plain(v) for k, v in result.items()}
    if hasattr(result, "as_dict"):
        return as_plain(result.as_dict())
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return as_plain(dataclasses.asdict(result))
    return str(result)


def log_loads(result, logger: logging.Logger | None = None) -> None:
    """One line per load report: files read, lines, quarantine reasons, time (the CLI's figures)."""
    logger = logger or logging.getLogger("sehat.loads")
    for report in result if isinstance(result, list | tuple) else [result]:
        d = as_plain(report)
        detail = d.get("detail") or {}
        files = ", ".join(
            f"{detail[key]} {label}"
            for key, label in (("export_files", "export files"), ("api_pages", "API pages"))
            if key in detail
        )
        reasons = detail.get("quarantine_reasons") or {}
        why = " (" + ", ".join(f"{k}={v}" for k, v in reasons.items()) + ")" if reasons else ""
        logger.info(
            "%s %s: %sread %s, loaded %s, quarantined %s%s in %.1fs",
            d.get("source"), d.get("batch_date"), f"{files}; " if files else "",
            f"{d.get('read', 0):,}", f"{d.get('loaded', 0):,}", f"{d.get('quarantined', 0):,}",
            why, float(d.get("seconds") or 0),
        )
