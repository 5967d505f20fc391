"""docker-compose.celery.yml is a consistent override of docker-compose.yml: the executor is
Celery everywhere, Redis is private and password-protected, exactly one worker consumes the
DuckDB writer queue with concurrency 1, secrets come from .env, and the worker commands are
`airflow celery ...` commands (checked against the installed Airflow when the Celery provider
is installed; skipped with the reason otherwise)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sehat.config import REPO_ROOT

BASE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
CELERY = yaml.safe_load((REPO_ROOT / "docker-compose.celery.yml").read_text())


def test_overrides_only_services_of_the_base_file_or_new_celery_parts():
    new = set(CELERY["services"]) - set(BASE["services"])
    assert new == {"redis", "airflow-worker-writer", "airflow-worker", "airflow-flower"}


def test_every_airflow_component_runs_the_celery_executor():
    for name, service in CELERY["services"].items():
        if name.startswith("airflow-"):
            env = service["environment"]
            assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
            assert "${REDIS_PASSWORD" in env["AIRFLOW__CELERY__BROKER_URL"], name


def test_one_writer_worker_with_concurrency_one():
    consumers = [
        (name, s["command"]) for name, s in CELERY["services"].items()
        if s.get("command", [])[:3] == ["airflow", "celery", "worker"] and "duckdb_writer" in s["command"]
    ]
    assert len(consumers) == 1
    name, command = consumers[0]
    assert command[command.index("--concurrency") + 1] == "1"


def test_redis_is_not_published_and_requires_a_password():
    redis = CELERY["services"]["redis"]
    assert "ports" not in redis
    assert "--requirepass" in redis["command"]


def test_celery_commands_exist_in_the_installed_airflow():
    airflow = Path(sys.executable).parent / "airflow"
    probe = subprocess.run([str(airflow), "celery", "worker", "--help"], capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip("the Celery provider (apache-airflow-providers-celery) is not installed: "
                    "`airflow celery` is unavailable; install it to run this variant")
    for service in CELERY["services"].values():
        command = service.get("command", [])
        if command[:2] == ["airflow", "celery"]:
            out = subprocess.run([str(airflow), *command[1:3], "--help"], capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr[-2000:]
