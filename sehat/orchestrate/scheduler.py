"""Run the daily pipeline through the real Airflow components (scheduler, API server, ...).

:func:`run_through_scheduler` starts the components (the ``command:`` entries of
``docker-compose.yml``) in a new process group, triggers ``sehat_ingest`` for each day,
waits for the asset-triggered transform and publish runs, then stops the whole group;
:func:`standalone` runs ``airflow standalone`` the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sehat.config import Settings
from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.chain import ChainWatcher, settle
from sehat.orchestrate.env import (
    DAG_IDS,
    TERMINAL,
    _say,
    airflow_bin_dir,
    airflow_env,
    free_port,
    init_airflow,
    local_commands,
    standalone_env,
)
from sehat.orchestrate.processes import Components, signals_as_interrupt


def wait_until_ready(
    api: ApiClient, components: Components, dag_ids: Iterable[str], timeout: float = 180
) -> float:
    """Wait for a healthy API + scheduler and for the DAGs to be parsed. Returns seconds waited."""
    started = time.monotonic()
    dag_ids = list(dag_ids)
    while True:
        if dead := components.dead():
            raise RuntimeError(f"Airflow components exited early: {dead}\n{components.tails()}")
        health = api.health()
        healthy = bool(health) and all(
            (health.get(part) or {}).get("status") == "healthy"
            for part in ("metadatabase", "scheduler")
        )
        if healthy and all(api.dag_exists(dag_id) for dag_id in dag_ids):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(
                f"Airflow not ready after {timeout:.0f}s (health={health})\n{components.tails()}"
            )
        time.sleep(1)


@dataclass
class SchedulerRunResult:
    """Outcome of :func:`run_through_scheduler`: ``{dag_id: {run_id: state}}``."""

    days: list[str]
    states: dict[str, dict[str, str]]
    ok: bool
    startup_seconds: float
    seconds: float
    logs_dir: Path
    failures: list[str] = field(default_factory=list)


def run_through_scheduler(
    days: Iterable[date | str],
    timeout: float = 1800,
    cfg: Settings | None = None,
    *,
    api_port: int | None = None,
    retries: int | None = None,
    standalone: bool = False,
    overrides: Mapping[str, str] | None = None,
    shutdown_grace: float = 60,
    api_factory: Callable[[str], ApiClient] | None = None,
) -> SchedulerRunResult:
    """Run the daily pipeline through the real Airflow components, end to end.

    Starts api-server, scheduler, dag-processor and triggerer (the commands of
    ``docker-compose.yml``; or ``airflow standalone`` with ``standalone=True``)
    in one new process group bound to 127.0.0.1, unpauses the Sehat DAGs,
    triggers ``sehat_ingest`` for each day in date order (logical date = day;
    the next day is triggered once the previous ingest run finished), waits
    until asset-triggered ``sehat_transform`` runs have covered every day and a
    ``sehat_publish`` run has published the latest one, then stops the group.

    ``sehat_ingest`` is parsed without its daily schedule here
    (``SEHAT_INGEST_SCHEDULE=manual``) so only the requested days run.
    ``retries`` overrides the tasks' retries (a failing task otherwise waits
    through exponential backoff); ``overrides`` is passed to :func:`airflow_env`.
    Returns as soon as a run fails (with its failed tasks in ``failures``).
    Status calls are retried with backoff (:class:`ApiClient`). On Ctrl-C or SIGTERM,
    and before the components stop for any reason, running tasks get ``shutdown_grace``
    seconds to finish, then unfinished runs are marked failed (:func:`settle`): no run is
    left "running". ``api_factory`` builds the REST client from the base URL (tests).
    Component logs: ``$SEHAT_HOME/airflow/logs/components/``; task logs beside them.
    """
    day_list = sorted(
        {d.isoformat() if isinstance(d, date) else date.fromisoformat(d).isoformat() for d in days}
    )
    if not day_list:
        raise ValueError("run_through_scheduler needs at least one day")
    port = api_port or free_port()
    env = airflow_env(
        cfg, api_port=port, retries=retries, ingest_schedule="manual", overrides=overrides
    )
    init_airflow(env=env)
    home = Path(env["AIRFLOW_HOME"])
    logs_dir = home / "logs" / "components"
    commands = (
        {"airflow-standalone": ["airflow", "standalone"]}
        if standalone
        else local_commands()
    )
    api = (
        api_factory(f"http://127.0.0.1:{port}")
        if api_factory
        else ApiClient(f"http://127.0.0.1:{port}")
    )
    started = time.monotonic()
    startup = 0.0
    watcher: ChainWatcher | None = None
    failures: list[str] = []
    with signals_as_interrupt(), Components(commands, env, logs_dir) as components:
        try:
            startup = wait_until_ready(api, components, DAG_IDS, timeout=min(timeout, 300))
            _say(f"Airflow ready on http://127.0.0.1:{port} after {startup:.1f}s")
            for dag_id in DAG_IDS:
                api.unpause(dag_id)
            since = datetime.now(UTC) - timedelta(seconds=5)
            watcher = ChainWatcher(api, day_list, since)
            failures = watcher.failures
            _follow(api, components, watcher, day_list, time.monotonic() + timeout, timeout)
        except KeyboardInterrupt:
            failures.append("interrupted (Ctrl-C or SIGTERM)")
            _say(
                f"interrupted: letting running tasks finish for up to {shutdown_grace:.0f}s,"
                " then failing unfinished runs (Ctrl-C again: fail them now)"
            )
        finally:
            # never stop the components while a run is still running: it would stay "running"
            if components.pgid is not None and not components.dead():
                try:
                    marked = settle(api, grace=shutdown_grace if failures else 60)
                    if watcher is not None:
                        watcher.settled(marked)
                except Exception as exc:  # noqa: BLE001 - the API is gone: nothing left to settle
                    _say(f"could not settle unfinished runs: {exc}")
        if failures:
            _say("FAILED: " + "; ".join(failures) + f" (task logs under {home / 'logs'})")
    seconds = time.monotonic() - started
    ok = not failures
    _say(f"pipeline {'succeeded' if ok else 'FAILED'} for {', '.join(day_list)} in {seconds:.0f}s")
    states = watcher.states if watcher else {dag_id: {} for dag_id in DAG_IDS}
    return SchedulerRunResult(
        day_list, states, ok, round(startup, 1), round(seconds, 1), logs_dir, failures
    )


def _follow(
    api: ApiClient,
    components: Components,
    watcher: ChainWatcher,
    day_list: list[str],
    deadline: float,
    timeout: float,
) -> None:
    """Trigger ``sehat_ingest`` day after day, then wait for transform/publish of every day."""
    failures = watcher.failures
    for day in day_list:
        run_id = api.trigger("sehat_ingest", day)
        _say(f"triggered sehat_ingest {run_id} (logical date {day})")
        state = "queued"
        while state not in TERMINAL and not failures:
            if time.monotonic() > deadline:
                failures.append(f"timed out after {timeout:.0f}s: sehat_ingest {day} still {state}")
                return
            if dead := components.dead():
                failures.append(f"Airflow components exited: {dead}\n{components.tails()}")
                return
            time.sleep(2)
            state = api.run_state("sehat_ingest", run_id)
            watcher.record("sehat_ingest", run_id, state)
            watcher.poll_downstream()
        if failures:
            return
        watcher.record("sehat_ingest", run_id, state)
        if state != "success":
            return
    while not failures and not watcher.done:
        if time.monotonic() > deadline:
            failures.append(f"timed out after {timeout:.0f}s waiting for transform/publish")
            return
        if dead := components.dead():
            failures.append(f"Airflow components exited: {dead}")
            return
        watcher.poll_downstream()
        if not watcher.done:
            time.sleep(2)


def standalone(
    cfg: Settings | None = None, *, port: int = 8080, env: Mapping[str, str] | None = None
) -> Components:
    """``airflow standalone`` (scheduler, DAG processor, triggerer, API server in one command) bound to
    127.0.0.1, in its own process group. Use as a context manager; leaving it stops the whole group.

        with standalone(port=8080) as af:
            ApiClient("http://127.0.0.1:8080").get("/dags")
    """
    env = dict(env or standalone_env(cfg, port=port))
    init_airflow(
        env=env
    )  # db migrate + the one-slot writer pool (standalone would migrate, not add the pool)
    logs = Path(env["AIRFLOW_HOME"]) / "logs" / "standalone"
    return Components(
        {"airflow-standalone": [str(airflow_bin_dir() / "airflow"), "standalone"]}, env, logs
    )
