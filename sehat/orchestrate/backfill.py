"""Backfills: Airflow's own backfill of ``sehat_ingest`` over a date range, through the REST API.

:func:`backfill_chain` is what ``sehat airflow backfill`` runs: create the backfill, then
wait for the whole Asset chain of every day (ingest -> transform -> publish), not only
for the ingest runs the backfill creates, and report every DAG's final state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.chain import ChainWatcher
from sehat.orchestrate.env import DAG_IDS, TERMINAL, _say


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
    # On SQLite, Airflow answers 503 "Database is locked" while the scheduler writes: a moment later the
    # same request succeeds, so a 503 is retried for up to a minute; any other refusal is final.
    deadline = time.monotonic() + 60
    while True:
        response = api.http.post("/api/v2/backfills", json=body)
        if response.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(2)
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


def _backfill_runs(api: ApiClient, dag_id: str, start: date, end: date) -> dict[str, str]:
    """``{run_id: state}`` of the backfill runs of ``dag_id`` with a logical date in [start, end]."""
    low = datetime(start.year, start.month, start.day, tzinfo=UTC)
    high = datetime(end.year, end.month, end.day, tzinfo=UTC)
    runs = api.get(
        f"/dags/{dag_id}/dagRuns",
        run_type="backfill",
        logical_date_gte=low.isoformat(),
        logical_date_lte=high.isoformat(),
        limit=1000,
    )["dag_runs"]
    return {run["dag_run_id"]: run["state"] for run in runs}


def backfill_chain(
    api: ApiClient,
    start: date,
    end: date,
    *,
    timeout: float = 3600,
    dead: Callable[[], dict] | None = None,
    say: Callable[[str], None] = _say,
) -> ChainWatcher:
    """Backfill [start, end] and wait until each day went through ingest, transform and publish.

    Returns the :class:`ChainWatcher`: ``.report()`` lists every run with its final state,
    ``.failures`` the failed runs (with failed tasks), ``.done`` whether the chain finished.
    Stops waiting at the first failed run, on timeout (noted in ``.failures``), or when
    ``dead()`` names exited local components. The caller decides what to do with runs
    still unfinished then (:func:`sehat.orchestrate.chain.settle` for a local deployment).
    """
    days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    for dag_id in DAG_IDS:
        api.unpause(dag_id)
    since = datetime.now(UTC) - timedelta(seconds=5)
    created = create_backfill(api, start, end)
    say(f"backfill {created['id']} of sehat_ingest {start}..{end} created")
    watcher = ChainWatcher(api, days, since, say=say)
    deadline = time.monotonic() + timeout
    while True:
        ingest = _backfill_runs(api, "sehat_ingest", start, end)
        for run_id, state in sorted(ingest.items()):
            watcher.record("sehat_ingest", run_id, state)
        watcher.poll_downstream()
        ingest_done = len(ingest) >= len(days) and all(s in TERMINAL for s in ingest.values())
        if watcher.failures or (ingest_done and watcher.done):
            return watcher
        if dead is not None and (exited := dead()):
            watcher.failures.append(f"Airflow components exited: {exited}")
            return watcher
        if time.monotonic() > deadline:
            watcher.failures.append(f"timed out after {timeout:.0f}s before the chain finished")
            return watcher
        time.sleep(3)
