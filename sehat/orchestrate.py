"""Run the Sehat DAGs through Airflow from plain Python (no Airflow import here).

Everything goes through the ``airflow`` command line and the REST API
(``/api/v2``) of the components this module starts, exactly as an operator
would, so this module works with any Airflow install on ``PATH`` and never
touches the metadata database itself.

* :func:`airflow_env`: the environment every Airflow process gets (local
  SQLite metadata under ``$SEHAT_HOME/airflow``, LocalExecutor, small
  parallelism, API on 127.0.0.1, simple auth manager with everyone admin);
* :func:`init_airflow`: ``airflow db migrate`` + the one-slot ``duckdb_writer``
  pool (idempotent; the ``airflow-init`` command of ``docker-compose.yml``);
* :func:`run_day_dags_test`: ``airflow dags test`` of ingest -> transform ->
  publish for one day, each in one process (fast, no scheduler);
* :func:`run_through_scheduler`: starts the real components (the ``command:``
  entries of ``docker-compose.yml``) in a new process group, triggers
  ``sehat_ingest`` for each day, waits for the asset-triggered transform and
  publish runs, then stops the whole group.

``docker-compose.yml`` is the single declaration of how components start
(:func:`compose_commands`); the local route runs the same argv lists, with
SQLite instead of PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Self

from sehat.config import REPO_ROOT, Settings, settings

DAG_IDS = ("sehat_ingest", "sehat_transform", "sehat_publish")
POOL_NAME = "duckdb_writer"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
COMPONENTS = (
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
)
INIT_SERVICE = "airflow-init"
SIMPLE_AUTH_MANAGER = (
    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
)
TERMINAL = {"success", "failed"}


def _say(message: str) -> None:
    print(f"[sehat.orchestrate {datetime.now():%H:%M:%S}] {message}", flush=True)


# --------------------------------------------------------------------------- environment


def airflow_home(cfg: Settings | None = None) -> Path:
    return (cfg or settings()).home / "airflow"


def airflow_bin_dir() -> Path:
    """The directory holding the ``airflow`` script of this interpreter's environment."""
    return Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def airflow_env(
    cfg: Settings | None = None,
    *,
    api_port: int = 8080,
    db_url: str | None = None,
    retries: int | None = None,
    ingest_schedule: str | None = None,
    base_env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Environment for every Airflow process of a local Sehat deployment.

    Inherited ``AIRFLOW__*`` variables are dropped so a run depends only on what
    is set here (pass ``overrides`` to change anything). The metadata database
    is ``$SEHAT_HOME/airflow/airflow.db`` (SQLite) unless ``db_url`` or
    ``SEHAT_AIRFLOW_DB_URL`` names another (e.g. ``postgresql+psycopg2://...``).
    ``retries`` overrides the DAGs' task retries (``SEHAT_AIRFLOW_RETRIES``);
    ``ingest_schedule="manual"`` parses ``sehat_ingest`` without its daily
    schedule, so only the days you trigger run.
    """
    cfg = cfg or settings()
    source = dict(os.environ if base_env is None else base_env)
    env = {
        k: v
        for k, v in source.items()
        if not k.startswith("AIRFLOW__") and k not in ("AIRFLOW_HOME", "AIRFLOW_CONFIG")
    }
    home = airflow_home(cfg)
    db_url = db_url or source.get("SEHAT_AIRFLOW_DB_URL") or f"sqlite:///{home / 'airflow.db'}"
    base_url = f"http://127.0.0.1:{api_port}"
    pythonpath = [str(REPO_ROOT), str(REPO_ROOT / "plugins")]
    if source.get("PYTHONPATH"):
        pythonpath.append(source["PYTHONPATH"])
    no_proxy = ",".join(
        filter(None, ["127.0.0.1,localhost", source.get("NO_PROXY") or source.get("no_proxy")])
    )
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
            "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": "1",
            # Cosmos (sehat_dbt_models) would otherwise report usage to astronomer.io.
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            # The scheduler's and triggerer's log servers listen on every interface (a fixed
            # Airflow 3.3 behaviour): the local route skips them (local_commands); where they
            # run (`airflow standalone`), free ports let several local deployments coexist.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            # Parse DAG files promptly and hand queued asset-triggered runs over quickly.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "PYTHONPATH": os.pathsep.join(pythonpath),
            "PATH": os.pathsep.join([str(airflow_bin_dir()), source.get("PATH", os.defpath)]),
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
            # The domain code in tasks sees the same settings as this process.
            "SEHAT_HOME": str(cfg.home),
            "SEHAT_DATA_DIR": str(cfg.data_dir),
            "SEHAT_WAREHOUSE": str(cfg.warehouse_path),
            "SEHAT_READER": str(cfg.reader_path),
            "SEHAT_PUBLISH_DIR": str(cfg.publish_dir),
            "SEHAT_PRODUCTION_URL": cfg.production_url,
        }
    )
    if retries is not None:
        env["SEHAT_AIRFLOW_RETRIES"] = str(retries)
    if ingest_schedule is not None:
        env["SEHAT_INGEST_SCHEDULE"] = ingest_schedule
    env.update(overrides or {})
    return env


def run_airflow(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float = 600,
    check: bool = True,
    log: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``airflow <args>``; output goes to ``log`` if given. Raises on failure when ``check``."""
    cmd = [str(airflow_bin_dir() / "airflow"), *args]
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    if log is None:
        proc = subprocess.run(
            cmd, check=False, env=dict(env), capture_output=True, text=True, timeout=timeout
        )
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            proc = subprocess.run(
                cmd,
                check=False,
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
            )
    if check and proc.returncode != 0:
        detail = _tail(log) if log else (proc.stdout or "")[-3000:] + (proc.stderr or "")[-3000:]
        raise RuntimeError(f"`airflow {' '.join(args)}` exited {proc.returncode}:\n{detail}")
    return proc


def _tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --------------------------------------------------------------------------- compose commands


def compose_commands(compose_file: Path = COMPOSE_FILE) -> dict[str, list[str]]:
    """``{service: argv}`` for every service of ``docker-compose.yml`` that declares a ``command``."""
    import yaml

    services = yaml.safe_load(compose_file.read_text())["services"]
    commands = {}
    for name, service in services.items():
        command = service.get("command")
        if command is None:
            continue
        if isinstance(command, str):
            raise TypeError(
                f"{compose_file}: service {name} must declare `command:` as an argv list"
            )
        commands[name] = [str(part) for part in command]
    return commands


def local_commands() -> dict[str, list[str]]:
    """argv of the components the local scheduler route starts: compose's, without log servers.

    Airflow 3.3's log servers (scheduler, triggerer) listen on every interface and offer no
    setting to change it (``airflow/utils/serve_logs/core.py`` passes ``host=""`` to uvicorn).
    Locally every component shares ``$AIRFLOW_HOME/logs``, so the API server reads task logs from
    disk and ``--skip-serve-logs`` leaves nothing listening beyond the loopback API.
    """
    commands = {name: argv for name, argv in compose_commands().items() if name in COMPONENTS}
    for name in ("airflow-scheduler", "airflow-triggerer"):
        commands[name] = [*commands[name], "--skip-serve-logs"]
    return commands


_INITIALISED: set[tuple[str, str]] = set()  # (AIRFLOW_HOME, DB URL) initialised by this process


def init_airflow(
    cfg: Settings | None = None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Migrate the metadata DB, declare the ``duckdb_writer`` pool (1 slot), write the dbt manifest.

    Runs the ``airflow-init`` command of ``docker-compose.yml``; its last step,
    ``python -m sehat.transform manifest`` (:func:`sehat.transform.ensure_manifest`: ``dbt parse``,
    skipped while the manifest is newer than the dbt project), lets ``sehat_dbt_models`` render
    one task per dbt node. Idempotent. Returns the env used.
    """
    env = dict(env or airflow_env(cfg))
    key = (env["AIRFLOW_HOME"], env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    if key in _INITIALISED:
        return env
    started = time.monotonic()
    command = compose_commands()[INIT_SERVICE]
    log = Path(env["AIRFLOW_HOME"]) / "logs" / "orchestrate" / "init.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.run(
            command, check=False, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=600
        )
    if proc.returncode != 0:
        raise RuntimeError(f"airflow init failed ({' '.join(command)}):\n{_tail(log)}")
    _INITIALISED.add(key)
    _say(
        f"metadata DB migrated, pool {POOL_NAME}=1 declared, dbt manifest ready"
        f" in {time.monotonic() - started:.1f}s"
    )
    return env


# --------------------------------------------------------------------------- airflow dags test


@dataclass
class DagsTestResult:
    """Outcome of :func:`run_day_dags_test`: one state per DAG, in run order."""

    day: str
    states: dict[str, str]
    logs: dict[str, Path]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.states) and all(state == "success" for state in self.states.values())

    def failure_report(self) -> str:
        return "\n".join(
            f"--- {dag_id}: {state}\n{_tail(self.logs.get(dag_id))}"
            for dag_id, state in self.states.items()
            if state != "success"
        )


def run_day_dags_test(
    day: date | str,
    cfg: Settings | None = None,
    *,
    dag_ids: Sequence[str] = DAG_IDS,
    retries: int = 0,
    init: bool = True,
    env: Mapping[str, str] | None = None,
) -> DagsTestResult:
    """``airflow dags test`` each DAG for ``day``, in order; stop at the first failure.

    Each DAG runs with logical date ``day`` and conf ``{"day": day}``: asset-
    triggered DAGs receive no asset events under ``dags test``, so they fall back
    to the conf. Tasks get ``retries`` retries (0 by default so a failure
    surfaces at once). Output of each DAG: ``$SEHAT_HOME/airflow/logs/dags_test/<day>/<dag>.log``.

    Usage::

        result = run_day_dags_test("2025-11-03")
        assert result.ok, result.failure_report()
    """
    day_iso = day.isoformat() if isinstance(day, date) else date.fromisoformat(day).isoformat()
    env = dict(env or airflow_env(cfg, retries=retries))
    if init:
        init_airflow(env=env)
    logs_dir = Path(env["AIRFLOW_HOME"]) / "logs" / "dags_test" / day_iso
    result = DagsTestResult(day=day_iso, states={}, logs={})
    for dag_id in dag_ids:
        log = logs_dir / f"{dag_id}.log"
        result.logs[dag_id] = log
        _say(f"airflow dags test {dag_id} {day_iso} ...")
        started = time.monotonic()
        proc = run_airflow(
            [
                "dags",
                "test",
                dag_id,
                f"{day_iso}T00:00:00+00:00",
                "--conf",
                json.dumps({"day": day_iso}),
            ],
            env,
            check=False,
            log=log,
            timeout=3600,
        )
        result.seconds[dag_id] = round(time.monotonic() - started, 1)
        result.states[dag_id] = "success" if proc.returncode == 0 else "failed"
        _say(
            f"{dag_id} {day_iso}: {result.states[dag_id]} in {result.seconds[dag_id]}s (log: {log})"
        )
        if proc.returncode != 0:
            break
    return result


# --------------------------------------------------------------------------- the real components


class ApiClient:
    """Tiny ``/api/v2`` client (httpx). Local deployments use all-admins auth: no token needed."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 15):
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, trust_env=False
        )

    @classmethod
    def with_password(cls, base_url: str, username: str, password: str) -> ApiClient:
        import httpx

        response = httpx.post(
            f"{base_url.rstrip('/')}/auth/token",
            json={"username": username, "password": password},
            trust_env=False,
        )
        response.raise_for_status()
        return cls(base_url, token=response.json()["access_token"])

    def get(self, path: str, **params) -> dict:
        response = self.http.get(f"/api/v2{path}", params=params or None)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict | None:
        try:
            response = self.http.get("/api/v2/monitor/health")
        except Exception:  # noqa: BLE001 - not up yet
            return None
        return response.json() if response.status_code == 200 else None

    def dag_exists(self, dag_id: str) -> bool:
        try:
            return self.http.get(f"/api/v2/dags/{dag_id}").status_code == 200
        except Exception:  # noqa: BLE001
            return False

    def unpause(self, dag_id: str) -> None:
        self.http.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, day: str, conf: dict | None = None) -> str:
        """Trigger a run with logical date ``day`` (clears and re-runs an existing one). Returns its run id."""
        start = datetime.fromisoformat(day).replace(tzinfo=UTC)
        body = {
            "logical_date": start.isoformat(),
            "data_interval_start": start.isoformat(),
            "data_interval_end": (start + timedelta(days=1)).isoformat(),
            "conf": conf or {},
            "note": "triggered by sehat.orchestrate",
        }
        response = self.http.post(f"/api/v2/dags/{dag_id}/dagRuns", json=body)
        if response.status_code == 409:  # this day already ran in this metadata DB: run it again
            runs = self.get(
                f"/dags/{dag_id}/dagRuns",
                logical_date_gte=start.isoformat(),
                logical_date_lte=start.isoformat(),
            )["dag_runs"]
            if not runs:
                response.raise_for_status()
            run_id = runs[0]["dag_run_id"]
            self.http.post(
                f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/clear", json={"dry_run": False}
            ).raise_for_status()
            return run_id
        response.raise_for_status()
        return response.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def runs_since(self, dag_id: str, since: datetime) -> list[dict]:
        return self.get(
            f"/dags/{dag_id}/dagRuns",
            run_after_gte=since.isoformat(),
            order_by="run_after",
            limit=100,
        )["dag_runs"]

    def upstream_days(self, dag_id: str, run_id: str) -> list[str]:
        events = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"]
        days: set[str] = set()
        for event in events:
            extra = event.get("extra") or {}
            days.update(filter(None, [extra.get("day"), *(extra.get("days") or [])]))
        return sorted(days)

    def failed_tasks(self, dag_id: str, run_id: str) -> list[str]:
        tis = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return [ti["task_id"] for ti in tis if ti["state"] in ("failed", "upstream_failed")]


class Components:
    """Airflow components started in ONE new process group; stopped together by that group."""

    def __init__(
        self, commands: Mapping[str, Sequence[str]], env: Mapping[str, str], log_dir: Path
    ):
        self.commands = dict(commands)
        self.env = dict(env)
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.pgid: int | None = None

    def start(self) -> Self:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            for name, argv in self.commands.items():
                with (self.log_dir / f"{name}.log").open("w") as out:
                    # The first component leads a new process group; the others join it.
                    proc = subprocess.Popen(
                        list(argv),
                        env=self.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        process_group=self.pgid or 0,
                    )
                if self.pgid is None:
                    self.pgid = proc.pid
                self.procs[name] = proc
                _say(
                    f"started {name} (pid {proc.pid}, process group {self.pgid}): {' '.join(argv)}"
                )
        except BaseException:
            self.stop()
            raise
        return self

    def dead(self) -> dict[str, int]:
        return {
            name: proc.returncode for name, proc in self.procs.items() if proc.poll() is not None
        }

    def stop(self, grace: float = 20) -> None:
        if self.pgid is None:
            return
        _say(f"stopping process group {self.pgid}")
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                for proc in self.procs.values():
                    proc.poll()
                if not _group_alive(self.pgid):
                    break
                time.sleep(0.3)
            if not _group_alive(self.pgid):
                break
        for proc in self.procs.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.pgid = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def tails(self, lines: int = 25) -> str:
        return "\n".join(
            f"--- {name}\n{_tail(self.log_dir / f'{name}.log', lines)}" for name in self.commands
        )


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    api = ApiClient(f"http://127.0.0.1:{port}")
    started = time.monotonic()
    states: dict[str, dict[str, str]] = {dag_id: {} for dag_id in DAG_IDS}
    failures: list[str] = []
    with Components(commands, env, logs_dir) as components:
        startup = wait_until_ready(api, components, DAG_IDS, timeout=min(timeout, 300))
        _say(f"Airflow ready on http://127.0.0.1:{port} after {startup:.1f}s")
        for dag_id in DAG_IDS:
            api.unpause(dag_id)
        since = datetime.now(UTC) - timedelta(seconds=5)
        deadline = time.monotonic() + timeout
        covered_days: dict[str, list[str]] = {}  # run id -> days named by its triggering events

        def poll_downstream() -> tuple[set[str], bool]:
            """Record transform/publish states; return (days transformed, latest day published)."""
            transformed: set[str] = set()
            published_latest = False
            for dag_id in ("sehat_transform", "sehat_publish"):
                for run in api.runs_since(dag_id, since):
                    run_id, state = run["dag_run_id"], run["state"]
                    if states[dag_id].get(run_id) != state:
                        _say(f"{dag_id} {run_id}: {state}")
                    states[dag_id][run_id] = state
                    if state == "failed":
                        failure = (
                            f"{dag_id} {run_id} failed tasks {api.failed_tasks(dag_id, run_id)}"
                        )
                        if failure not in failures:
                            failures.append(failure)
                    if state == "success":
                        if run_id not in covered_days:
                            covered_days[run_id] = api.upstream_days(dag_id, run_id)
                        covered = covered_days[run_id]
                        if dag_id == "sehat_transform":
                            transformed.update(covered)
                        elif day_list[-1] in covered:
                            published_latest = True
            return transformed, published_latest

        for day in day_list:
            run_id = api.trigger("sehat_ingest", day)
            _say(f"triggered sehat_ingest {run_id} (logical date {day})")
            state = "queued"
            while state not in TERMINAL and not failures:
                if time.monotonic() > deadline:
                    failures.append(
                        f"timed out after {timeout:.0f}s: sehat_ingest {day} still {state}"
                    )
                    break
                if dead := components.dead():
                    failures.append(f"Airflow components exited: {dead}\n{components.tails()}")
                    break
                time.sleep(2)
                new_state = api.run_state("sehat_ingest", run_id)
                if new_state != state:
                    _say(f"sehat_ingest {run_id}: {new_state}")
                state = new_state
                poll_downstream()
            states["sehat_ingest"][run_id] = state
            if failures:
                break
            if state != "success":
                failures.append(
                    f"sehat_ingest {run_id} failed tasks {api.failed_tasks('sehat_ingest', run_id)}"
                )
                break

        done = False
        while not failures and not done:
            if time.monotonic() > deadline:
                failures.append(f"timed out after {timeout:.0f}s waiting for transform/publish")
                break
            if dead := components.dead():
                failures.append(f"Airflow components exited: {dead}")
                break
            transformed, published_latest = poll_downstream()
            done = set(day_list) <= transformed and published_latest
            if not done:
                time.sleep(2)
        if failures:
            _say("FAILED: " + "; ".join(failures) + f" (task logs under {home / 'logs'})")
    seconds = time.monotonic() - started
    ok = not failures
    _say(f"pipeline {'succeeded' if ok else 'FAILED'} for {', '.join(day_list)} in {seconds:.0f}s")
    return SchedulerRunResult(
        day_list, states, ok, round(startup, 1), round(seconds, 1), logs_dir, failures
    )


# --------------------------------------------------------------------------- standalone and backfills


def standalone_env(cfg: Settings | None = None, *, port: int = 8080, **kwargs) -> dict[str, str]:
    """:func:`airflow_env` for ``airflow standalone``: API/UI on 127.0.0.1:``port``, two parallel tasks."""
    env = airflow_env(cfg, api_port=port, **kwargs)
    env["AIRFLOW__CORE__PARALLELISM"] = "2"  # 2 shared cores; the writer pool serialises DuckDB anyway
    env["AIRFLOW__STANDALONE__HOST"] = "127.0.0.1"  # honoured by recent Airflow; API__HOST does the binding
    return env


def standalone(cfg: Settings | None = None, *, port: int = 8080, env: Mapping[str, str] | None = None) -> Components:
    """``airflow standalone`` (scheduler, DAG processor, triggerer, API server in one command) bound to
    127.0.0.1, in its own process group. Use as a context manager; leaving it stops the whole group.

        with standalone(port=8080) as af:
            ApiClient("http://127.0.0.1:8080").get("/dags")
    """
    env = dict(env or standalone_env(cfg, port=port))
    init_airflow(env=env)  # db migrate + the one-slot writer pool (standalone would migrate, not add the pool)
    logs = Path(env["AIRFLOW_HOME"]) / "logs" / "standalone"
    return Components({"airflow-standalone": [str(airflow_bin_dir() / "airflow"), "standalone"]}, env, logs)


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
    raise TimeoutError(f"backfill {backfill_id} of {dag_id} not finished after {timeout:.0f}s: {states}")


# --------------------------------------------------------------------------- command line

try:  # typer is a dependency of the sehat CLI; this module stays importable without it
    import typer
except ImportError:  # pragma: no cover
    typer = None

if typer is not None:
    app = typer.Typer(
        help="Run Sehat on Airflow: `airflow standalone` on 127.0.0.1, backfills of a date range.",
        no_args_is_help=True,
        add_completion=False,
    )

    @app.command("standalone")
    def standalone_command(
        port: int = typer.Option(8080, help="API/UI port on 127.0.0.1."),
    ) -> None:
        """Start `airflow standalone` bound to 127.0.0.1 (Ctrl-C stops every component)."""
        with standalone(port=port) as components:
            api = ApiClient(f"http://127.0.0.1:{port}")
            wait_until_ready(api, components, DAG_IDS, timeout=300)
            typer.echo(f"Airflow is up: http://127.0.0.1:{port} (user admin, all admins). Ctrl-C to stop.")
            try:
                while not components.dead():
                    time.sleep(2)
            except KeyboardInterrupt:
                typer.echo("stopping Airflow")

    @app.command("backfill")
    def backfill_command(
        start: str = typer.Option(..., help="First day (YYYY-MM-DD)."),
        end: str = typer.Option(..., help="Last day, inclusive (YYYY-MM-DD)."),
        api_url: str = typer.Option(
            "", help="A running deployment's base URL; empty: start `airflow standalone` locally for the backfill."
        ),
        port: int = typer.Option(8080, help="Port of the local standalone (when --api-url is empty)."),
        timeout: float = typer.Option(3600, help="Seconds to wait for the backfill."),
    ) -> None:
        """Backfill a date range with one command: Airflow's backfill of sehat_ingest, chaining transform and publish."""
        day_start, day_end = date.fromisoformat(start), date.fromisoformat(end)

        def run(api: ApiClient) -> dict[str, str]:
            for dag_id in DAG_IDS:
                api.unpause(dag_id)
            created = create_backfill(api, day_start, day_end)
            typer.echo(f"backfill {created['id']} of sehat_ingest {start}..{end} created")
            return wait_for_backfill(api, created, timeout=timeout)

        if api_url:
            states = run(ApiClient(api_url))
        else:
            with standalone(port=port) as components:
                api = ApiClient(f"http://127.0.0.1:{port}")
                wait_until_ready(api, components, DAG_IDS, timeout=300)
                states = run(api)
        for run_id, state in sorted(states.items()):
            typer.echo(f"{run_id}: {state}")
        if any(s != "success" for s in states.values()):
            raise typer.Exit(1)
