"""What the three Sehat DAGs share: Assets, the writer pool, defaults, the day rule.

The day rule
------------
Every run is about one export day (or, for asset-triggered runs, the days the
upstream runs announced). Which day:

1. the ``day``/``days`` in the extras of the triggering asset events (the
   normal, scheduler-driven path: ``sehat_ingest`` -> ``sehat_transform`` ->
   ``sehat_publish``);
2. otherwise ``day`` from the run's params / ``dag_run.conf`` (manual runs and
   ``airflow dags test``, where asset-triggered DAGs receive no events);
3. otherwise the run's logical date (UTC). ``sehat_ingest`` is scheduled with a
   data-interval timetable, so a scheduled run's logical date is the start of the
   day it loads, and it starts once that day is over.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, Param

from sehat import daily
from sehat.daily import as_plain
from sehat_airflow.callbacks import record_failure

OWNER = "sehat-data"
POOL = "duckdb_writer"  # one slot: DuckDB allows a single writer per file

RAW = Asset(name="sehat_raw", uri="sehat://warehouse/raw")
MARTS = Asset(name="sehat_marts", uri="sehat://warehouse/marts")
PUBLISHED = Asset(name="sehat_published_segments", uri="sehat://published/segments")

# First day the daily schedule knows about (no catchup, so only the latest interval runs).
START_DATE = datetime.fromisoformat(os.environ.get("SEHAT_START_DATE", "2025-11-01")).replace(
    tzinfo=UTC
)


def ingest_schedule():
    """The daily data-interval schedule of ``sehat_ingest``: the run for day D starts after D ends.

    ``SEHAT_INGEST_SCHEDULE=manual`` drops the schedule (only triggered days run):
    ``sehat.orchestrate.run_through_scheduler`` replays chosen days that way.
    """
    from airflow.sdk import CronDataIntervalTimetable

    if os.environ.get("SEHAT_INGEST_SCHEDULE", "@daily").lower() in ("manual", "none", "off"):
        return None
    return CronDataIntervalTimetable(
        os.environ.get("SEHAT_INGEST_SCHEDULE", "@daily"), timezone="UTC"
    )


def day_params(description: str) -> dict[str, Any]:
    """The optional ``day`` parameter of a manual run (YYYY-MM-DD; default: the day rule)."""
    return {"day": Param(None, type=["null", "string"], format="date", description=description)}


def default_args(**overrides: Any) -> dict[str, Any]:
    """Owner, retries with exponential backoff and the failure alert.

    ``SEHAT_AIRFLOW_RETRIES`` / ``SEHAT_AIRFLOW_RETRY_DELAY_SECONDS`` tune the
    retries (``sehat.orchestrate`` sets 0 retries for ``airflow dags test`` so a
    failure surfaces at once instead of after minutes of backoff).
    """
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": int(os.environ.get("SEHAT_AIRFLOW_RETRIES", "2")),
        "retry_delay": timedelta(
            seconds=int(os.environ.get("SEHAT_AIRFLOW_RETRY_DELAY_SECONDS", "60"))
        ),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": record_failure,
    }
    args.update(overrides)
    return args


def _as_day(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value)[:10]).isoformat()


def days_from_extras(extras: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """Sorted unique days named by asset-event extras (``day`` and/or ``days``)."""
    days: set[str] = set()
    for extra in extras:
        if not extra:
            continue
        if extra.get("day"):
            days.add(_as_day(extra["day"]))
        for day in extra.get("days") or ():
            days.add(_as_day(day))
    return sorted(days)


def resolve_days(context: Mapping[str, Any], asset: Asset | None = None) -> list[str]:
    """The day(s) this run is about, as ISO strings (see the module docstring)."""
    if asset is not None:
        events = context.get("triggering_asset_events") or {}
        try:
            triggering = list(events[asset]) if asset in events else []
        except (KeyError, TypeError):
            triggering = []
        days = days_from_extras(getattr(event, "extra", None) for event in triggering)
        if days:
            return days
    dag_run = context.get("dag_run")
    conf = dict(getattr(dag_run, "conf", None) or {})
    params = context.get("params") or {}
    explicit = conf.get("day") or params.get("day")
    if explicit:
        return [_as_day(explicit)]
    logical_date = context.get("logical_date")
    if logical_date is not None:
        return [_as_day(logical_date)]
    raise ValueError(
        "cannot tell which day this run is about: no triggering asset event with a 'day', "
        "no 'day' in the run conf and no logical date"
    )


def run_step(name: str, asset: Asset | None = None, *, earlier: Mapping[str, Any] | None = None,
             options: Mapping[str, Any] | None = None) -> Any:
    """The body of every daily task: call the ``sehat.daily`` step ``name`` for this run's day(s).

    The days come from the day rule (the triggering events of ``asset``, the run conf, the logical
    date); ``earlier`` hands the step its upstream tasks' results; the step's warnings become alert
    lines; an error the data will not fix by retrying (``retry = False``: a rejected segment) fails
    the task at once. Returns the step's result as plain JSON (the XCom).
    """
    from datetime import date

    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    from sehat_airflow.callbacks import record_warnings

    context = get_current_context()
    days = [date.fromisoformat(day) for day in resolve_days(context, asset)]
    ctx = daily.DayContext(run_id=context["run_id"], options=dict(options or {}), earlier=dict(earlier or {}),
                           warn=lambda message: record_warnings(context, [message]))
    try:
        result = daily.run_step(name, days, ctx=ctx)
    except Exception as exc:
        if getattr(exc, "retry", True) is False:
            raise AirflowFailException(str(exc)) from exc
        raise
    return as_plain(result)
