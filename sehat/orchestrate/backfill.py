"""Backfills: Airflow's own backfill of ``sehat_ingest`` over a date range, through the REST API."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.env import TERMINAL


def create_backfill(
    api: ApiClient,
    start: date,
    end: date,
    *,
    dag_id: str = "sehat_ingest",
    reprocess: str = "completed",
    max_active_runs: int = 1,
) -> dict:
    """Ask Airflow for a backfill of ``dag_id`` over [start, end] (``POST /api/v2/backfills``).

    The scheduler creates one ``sehat_ingest`` run per day (the DAG's daily data
    interval); each emits the raw asset, which chains ``sehat_transform`` and
    ``sehat_publish`` as in daily operation. ``reprocess="completed"`` re-runs days
    that already ran (loads are idempotent per day); ``max_active_runs=1`` keeps
    the days in order (the writer pool would serialise them anyway).
    Equivalent CLI: ``airflow backfill create --dag-id sehat_ingest --from-date START --to-date END
    --reprocess-behavior completed --max-active-runs 1``.
    """
    body = {
        "dag_id": dag_id,
        "from_date": datetime(start.year, start.month, start.day, tzinfo=UTC).isoformat(),
        "to_date": datetime(end.year, end.month, end.day, tzinfo=UTC).isoformat(),
        "reprocess_behavior": reprocess,
        "max_active_runs": max_active_runs,
        "run_backwards": False,
    }
    response = api.http.post("/api/v2/backfills", json=body)
    if response.status_code >= 400:
        raise RuntimeError(f"backfill refused ({response.status_code}): {response.text[:1000]}")
    return response.json()


def wait_for_backfill(api: ApiClient, backfill: dict, *, timeout: float = 3600) -> dict[str, str]:
    """Wait until every run of the backfill is finished; return ``{run_id: state}``."""
    deadline = time.monotonic() + timeout
    dag_id, backfill_id = backfill["dag_id"], backfill["id"]
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        runs = api.get(f"/dags/{dag_id}/dagRuns", run_type="backfill", limit=1000)["dag_runs"]
        states = {r["dag_run_id"]: r["state"] for r in runs}
        info = api.get(f"/backfills/{backfill_id}")
        if info.get("completed_at") and states and all(s in TERMINAL for s in states.values()):
            return states
        time.sleep(3)
    raise TimeoutError(
        f"backfill {backfill_id} of {dag_id} not finished after {timeout:.0f}s: {states}"
    )
