"""Follow the Asset chain ingest -> transform -> publish of a set of days through the REST API.

Both the scheduler route (:func:`sehat.orchestrate.run_through_scheduler`) and
backfills (:mod:`sehat.orchestrate.backfill`) trigger ``sehat_ingest`` runs; the
asset-triggered ``sehat_transform`` and ``sehat_publish`` runs follow on their own.
:class:`ChainWatcher` records every run's state, reports failed runs with their
failed tasks, prints which task is running (so a long ``dbt_build`` shows progress),
and tells when every day is transformed and the latest day is published.
:func:`settle` makes sure no run is left "running" before the components stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.env import DAG_IDS, _say

DOWNSTREAM = ("sehat_transform", "sehat_publish")


class ChainWatcher:
    """States of the ingest/transform/publish runs of ``days`` (runs created after ``since``)."""

    def __init__(
        self,
        api: ApiClient,
        days: Iterable[str],
        since: datetime,
        say: Callable[[str], None] = _say,
    ):
        self.api = api
        self.days = sorted(days)
        self.since = since
        self.say = say
        self.states: dict[str, dict[str, str]] = {dag_id: {} for dag_id in DAG_IDS}
        self.failures: list[str] = []
        self.covered: dict[str, list[str]] = {}  # run id -> days named by its triggering events
        self.transformed: set[str] = set()
        self.published_latest = False
        self._running_tasks: dict[tuple[str, str], tuple[str, ...]] = {}

    def record(self, dag_id: str, run_id: str, state: str) -> None:
        """Note a run's state; print changes, the running tasks, and failures with their tasks."""
        if self.states[dag_id].get(run_id) != state:
            self.say(f"{dag_id} {run_id}: {state}")
        self.states[dag_id][run_id] = state
        if state == "running":
            tasks = self.api.task_states(dag_id, run_id)
            running = tuple(sorted(t for t, s in tasks.items() if s == "running"))
            if running and self._running_tasks.get((dag_id, run_id)) != running:
                self.say(f"{dag_id} {run_id}: running {', '.join(running)}")
            self._running_tasks[(dag_id, run_id)] = running
        if state == "failed":
            failure = f"{dag_id} {run_id} failed tasks {self.api.failed_tasks(dag_id, run_id)}"
            if failure not in self.failures:
                self.failures.append(failure)

    def poll_downstream(self) -> None:
        """Record transform/publish runs; update the days transformed and the publish of the last."""
        for dag_id in DOWNSTREAM:
            for run in self.api.runs_since(dag_id, self.since):
                run_id, state = run["dag_run_id"], run["state"]
                self.record(dag_id, run_id, state)
                if state != "success":
                    continue
                if run_id not in self.covered:
                    self.covered[run_id] = self.api.upstream_days(dag_id, run_id)
                if dag_id == "sehat_transform":
                    self.transformed.update(self.covered[run_id])
                elif self.days[-1] in self.covered[run_id]:
                    self.published_latest = True

    @property
    def done(self) -> bool:
        """Every day transformed and a publish run covered the latest day."""
        return set(self.days) <= self.transformed and self.published_latest

    def refresh(self) -> None:
        """Re-read the state of every run seen that was not finished at the last poll."""
        for dag_id, runs in self.states.items():
            for run_id, state in list(runs.items()):
                if state not in ("success", "failed"):
                    runs[run_id] = self.api.run_state(dag_id, run_id)

    def settled(self, marked: Iterable[str]) -> None:
        """Record runs of this chain that :func:`settle` marked failed (``"dag_id run_id"``).

        Other runs it marked (e.g. a scheduled run of another day) are only in settle's log.
        """
        self.refresh()
        for item in marked:
            dag_id, run_id = item.split(" ", 1)
            if run_id not in self.states.get(dag_id, {}):
                continue
            self.states[dag_id][run_id] = "failed"
            self.failures.append(f"{dag_id} {run_id} was still unfinished: marked failed")

    def report(self) -> list[tuple[str, str, str]]:
        """``(dag_id, run_id, final state)`` for every run seen, in chain order."""
        return [
            (dag_id, run_id, state)
            for dag_id in DAG_IDS
            for run_id, state in sorted(self.states[dag_id].items())
        ]


def settle(
    api: ApiClient,
    dag_ids: Iterable[str] = DAG_IDS,
    *,
    grace: float = 60,
    say: Callable[[str], None] = _say,
    poll: float = 2,
) -> list[str]:
    """Before the components stop: wait up to ``grace`` s for queued/running runs, then fail them.

    A run marked failed through the API has its unfinished tasks failed by Airflow, so no
    run stays "running" in the metadata database after its processes are gone. Returns
    the ``dag_id run_id`` of the runs marked failed. A second Ctrl-C skips the wait.
    """
    dag_ids = list(dag_ids)
    deadline = time.monotonic() + grace
    unfinished: dict[str, list[str]] = {}
    try:
        while True:
            unfinished = {dag_id: api.unfinished_runs(dag_id) for dag_id in dag_ids}
            if not any(unfinished.values()) or time.monotonic() >= deadline:
                break
            time.sleep(poll)
    except KeyboardInterrupt:
        say("interrupted again: failing the unfinished runs now")
    unfinished = {dag_id: api.unfinished_runs(dag_id) for dag_id in dag_ids}
    marked = []
    for dag_id, run_ids in unfinished.items():
        for run_id in run_ids:
            api.mark_failed(dag_id, run_id)
            marked.append(f"{dag_id} {run_id}")
    if marked:
        say(f"marked failed (still unfinished after {grace:.0f}s): {', '.join(marked)}")
    return marked
