"""docker-compose.yml (with its Celery override) is right: its component commands run Airflow on a
real PostgreSQL.

There is no Docker engine on these machines, so this test runs the very argv
lists declared under ``command:`` (``airflow-init``, ``airflow-api-server``,
``airflow-scheduler``, ``airflow-dag-processor``, ``airflow-triggerer``) as
local processes, with the environment compose would give them (the
``x-airflow-common`` block interpolated from ``.env.example`` plus freshly
generated secrets), against a fresh database on the test PostgreSQL server.
Only what must differ outside a container is replaced: paths, host names,
the port. It then triggers a two-DAG asset chain through the REST API
(``/api/v2``, password login through the simple auth manager like the compose
deployment) and checks both runs succeed, on the right Celery workers, and were
recorded in PostgreSQL.
"""

from __future__ import annotations

import os
import re
import secrets
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from sehat.config import REPO_ROOT, sehat_home
from sehat.orchestrate import (
    COMPONENTS,
    COMPOSE_FILE,
    INIT_SERVICE,
    ApiClient,
    Components,
    airflow_env,
    compose_commands,
    free_port,
)

pytestmark = [pytest.mark.postgres, pytest.mark.airflow, pytest.mark.timeout(300)]

SMOKE_DAGS = '''
"""Two tiny DAGs chained by an Asset: the compose smoke test."""
from airflow.sdk import Asset, dag, get_current_context, task

SMOKE = Asset(name="compose_smoke", uri="sehat://test/compose-smoke")


@dag(dag_id="compose_smoke_producer", schedule=None, tags=["test"], max_active_runs=1)
def producer():
    @task(pool="duckdb_writer", outlets=[SMOKE])  # the pool exists only if airflow-init ran
    def write():
        context = get_current_context()
        context["outlet_events"][SMOKE].extra = {"day": context["dag_run"].conf["day"]}

    write()


@dag(dag_id="compose_smoke_consumer", schedule=[SMOKE], tags=["test"])
def consumer():
    @task
    def read():
        from sehat_airflow.common import days_from_extras  # plugins/ importable in tasks

        events = get_current_context()["triggering_asset_events"][SMOKE]
        days = days_from_extras(event.extra for event in events)
        assert days == ["2025-11-01"], days
        return days

    read()


producer()
consumer()
'''


def _compose() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE_FILE.read_text())


def _interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose-style ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``."""

    def sub(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if variables.get(name):
            return variables[name]
        if op == ":?":
            raise KeyError(f"{name} must be set: {arg}")
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", sub, value)


def _dotenv(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def test_compose_declares_no_secret_and_binds_localhost():
    compose = _compose()
    common = compose["x-airflow-common"]["environment"]
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", common[key]), f"{key} must come from .env"
    assert ":?" in compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond localhost"
    assert common["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert set(compose_commands()) == {INIT_SERVICE, *COMPONENTS}
    example = _dotenv(REPO_ROOT / ".env.example")
    assert all(
        example[k] == "change-me"
        for k in ("POSTGRES_PASSWORD", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET")
    )


CELERY_WORKERS = ("airflow-worker-writer", "airflow-worker")


def _celery_override(db_url: str, dotenv: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """docker-compose.celery.yml's environment and worker commands, pointed at this machine.

    The broker is the local Redis server (no password outside a container, a
    database number of its own), the result backend the test's PostgreSQL database.
    """
    import random

    import yaml

    from sehat.config import REPO_ROOT

    override = yaml.safe_load((REPO_ROOT / "docker-compose.celery.yml").read_text())
    env = {k: _interpolate(str(v), dotenv) for k, v in override["x-celery-env"].items()}
    env["AIRFLOW__CELERY__BROKER_URL"] = f"redis://127.0.0.1:6379/{random.randint(1, 15)}"
    env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + urlunsplit(urlsplit(db_url)._replace(scheme="postgresql"))
    commands = compose_commands(REPO_ROOT / "docker-compose.celery.yml")
    return env, {name: commands[name] for name in CELERY_WORKERS}


@pytest.mark.e2e
def test_compose_components_run_a_dag_on_postgres(airflow_database, tmp_path):
    """The compose deployment with its Celery override runs an asset chain on PostgreSQL.

    The writer task must be routed to the ``duckdb_writer`` queue (by the cluster policy in
    plugins/airflow_local_settings.py) and run by the writer worker. The same components with
    the LocalExecutor on PostgreSQL run the real DAGs in
    ``tests/dags/test_dag_runs.py::test_two_days_through_the_scheduler``.
    """
    executor = "CeleryExecutor"
    from cryptography.fernet import Fernet

    db_name, db_url = airflow_database
    compose = _compose()
    scheme = urlsplit(
        compose["x-airflow-common"]["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    ).scheme
    driver = scheme.split("+", 1)[1]  # the DBAPI driver compose uses must be installed here too
    __import__(driver)
    sqlalchemy_url = urlunsplit(urlsplit(db_url)._replace(scheme=scheme))

    # What `.env` would hold: the example's values plus freshly generated secrets.
    dotenv = _dotenv(REPO_ROOT / ".env.example") | {
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "REDIS_PASSWORD": secrets.token_urlsafe(16),
    }
    compose_env = {
        k: _interpolate(str(v), dotenv)
        for k, v in compose["x-airflow-common"]["environment"].items()
    }

    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "compose_smoke.py").write_text(textwrap.dedent(SMOKE_DAGS))
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SEHAT_", "AIRFLOW"))}
    with sehat_home(tmp_path / "home") as cfg:
        pass  # only its settings: the components get their environment from airflow_env
    env = airflow_env(cfg, api_port=port, db_url=sqlalchemy_url, base_env=base)
    env.update(compose_env)
    passwords = tmp_path / "auth" / "passwords.json"
    passwords.parent.mkdir()  # the image creates this mount point (deploy/Dockerfile)
    env.update(  # only what differs outside a container
        {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url,
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",  # as in compose: log in
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "plugins")]),
            "SEHAT_HOME": str(cfg.home),
        }
    )
    commands = compose_commands()
    components_to_run = {name: commands[name] for name in COMPONENTS}
    celery_env, workers = _celery_override(db_url, dotenv)
    env.update(celery_env)
    components_to_run |= workers
    assert env["AIRFLOW__CORE__EXECUTOR"] == executor
    assert not any("/opt/" in v for k, v in env.items() if k.startswith("AIRFLOW__")), (
        "container path leaked"
    )

    started = time.monotonic()
    import subprocess

    init_log = tmp_path / "init.log"
    with init_log.open("w") as out:
        init = subprocess.run(
            commands[INIT_SERVICE],
            check=False,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=300,
        )
    assert init.returncode == 0, init_log.read_text()[-4000:]
    # airflow-init is idempotent (compose reruns it on every `up`)
    with init_log.open("a") as out:
        assert (
            subprocess.run(
                commands[INIT_SERVICE],
                check=False,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=300,
            ).returncode
            == 0
        )
    init_seconds = time.monotonic() - started

    with Components(components_to_run, env, tmp_path / "logs") as components:
        anonymous = ApiClient(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 150
        api = None
        while api is None:
            assert not components.dead(), components.tails()
            assert time.monotonic() < deadline, f"API never became healthy\n{components.tails()}"
            health = anonymous.health()
            if health and health["scheduler"]["status"] == "healthy" and passwords.exists():
                password = __import__("json").loads(passwords.read_text())["admin"]
                api = ApiClient.with_password(f"http://127.0.0.1:{port}", "admin", password)
            else:
                time.sleep(1)
        assert anonymous.http.get("/api/v2/dags").status_code == 401, "the API must require a login"
        while not (
            api.dag_exists("compose_smoke_producer") and api.dag_exists("compose_smoke_consumer")
        ):
            assert time.monotonic() < deadline, f"DAGs never parsed\n{components.tails()}"
            time.sleep(1)
        startup_seconds = time.monotonic() - started - init_seconds
        for dag_id in ("compose_smoke_producer", "compose_smoke_consumer"):
            api.unpause(dag_id)
        run_id = api.trigger("compose_smoke_producer", "2025-11-01", conf={"day": "2025-11-01"})

        states: dict[str, str] = {}
        while True:
            states["producer"] = api.run_state("compose_smoke_producer", run_id)
            consumers = api.get("/dags/compose_smoke_consumer/dagRuns")["dag_runs"]
            states["consumer"] = consumers[0]["state"] if consumers else "none"
            if states["consumer"] in ("success", "failed") or states["producer"] == "failed":
                break
            assert time.monotonic() < deadline + 60, f"runs still {states}\n{components.tails()}"
            time.sleep(1)
        assert states == {"producer": "success", "consumer": "success"}, components.tails()
        consumer_run = consumers[0]["dag_run_id"]
        assert api.upstream_days("compose_smoke_consumer", consumer_run) == ["2025-11-01"]
        xcom = api.get(
            f"/dags/compose_smoke_consumer/dagRuns/{consumer_run}/taskInstances/read/xcomEntries/return_value"
        )
        assert "2025-11-01" in str(xcom["value"])
        (writer_ti,) = api.get(f"/dags/compose_smoke_producer/dagRuns/{run_id}/taskInstances")["task_instances"]
        assert writer_ti["queue"] == "duckdb_writer", writer_ti  # the cluster policy routed it
        logs = {name: (tmp_path / "logs" / f"{name}.log").read_text(errors="replace") for name in CELERY_WORKERS}
        assert "compose_smoke_producer" in logs["airflow-worker-writer"], components.tails()
        assert "compose_smoke_producer" not in logs["airflow-worker"], "a writer ran outside the writer worker"
        assert "compose_smoke_consumer" in logs["airflow-worker"], components.tails()

    import psycopg  # the metadata really lives in the new PostgreSQL database

    with psycopg.connect(urlunsplit(urlsplit(db_url)._replace(scheme="postgresql"))) as conn:
        assert (
            conn.execute("SELECT count(*) FROM dag_run WHERE state = 'success'").fetchone()[0] == 2
        )
        assert (
            conn.execute("SELECT slots FROM slot_pool WHERE pool = 'duckdb_writer'").fetchone()[0]
            == 1
        )
    print(
        f"\ncompose components ({executor}) on PostgreSQL ({db_name}, driver {driver}): init {init_seconds:.1f}s, "
        f"start-up {startup_seconds:.1f}s, total {time.monotonic() - started:.1f}s"
    )
