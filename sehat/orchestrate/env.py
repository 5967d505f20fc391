"""The environment every Airflow process of a local Sehat deployment gets, and ``airflow`` commands.

* :func:`airflow_env`: local SQLite metadata under ``$SEHAT_HOME/airflow``, LocalExecutor,
  small parallelism, API on 127.0.0.1, simple auth manager with everyone admin;
* :func:`init_airflow`: ``airflow db migrate`` + the one-slot ``duckdb_writer`` pool
  (idempotent; the ``airflow-init`` command of ``docker-compose.yml``);
* :func:`compose_commands`: ``docker-compose.yml`` is the single declaration of how
  components start; the local route runs the same argv lists, with SQLite instead of PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from sehat.config import REPO_ROOT, Settings, settings
from sehat.daily import DAG_IDS  # noqa: F401 - the daily DAGs, defined once with their steps
from sehat.subprocesses import die_with_parent

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
            cmd,
            check=False,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=die_with_parent,  # SIGTERM when this process dies
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
                preexec_fn=die_with_parent,  # SIGTERM when this process dies
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
    ``python -m sehat.transform manifest`` (:func:`sehat.transform.dbt.ensure_manifest`: ``dbt parse``,
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
            command,
            check=False,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
            preexec_fn=die_with_parent,  # SIGTERM when this process dies
        )
    if proc.returncode != 0:
        raise RuntimeError(f"airflow init failed ({' '.join(command)}):\n{_tail(log)}")
    _INITIALISED.add(key)
    _say(
        f"metadata DB migrated, pool {POOL_NAME}=1 declared, dbt manifest ready"
        f" in {time.monotonic() - started:.1f}s"
    )
    return env


def standalone_env(cfg: Settings | None = None, *, port: int = 8080, **kwargs) -> dict[str, str]:
    """:func:`airflow_env` for ``airflow standalone``: API/UI on 127.0.0.1:``port``, two parallel tasks."""
    env = airflow_env(cfg, api_port=port, **kwargs)
    env["AIRFLOW__CORE__PARALLELISM"] = (
        "2"  # 2 shared cores; the writer pool serialises DuckDB anyway
    )
    env["AIRFLOW__STANDALONE__HOST"] = (
        "127.0.0.1"  # honoured by recent Airflow; API__HOST does the binding
    )
    return env
