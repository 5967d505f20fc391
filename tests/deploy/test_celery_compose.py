"""docker-compose.celery.yml is a consistent override of docker-compose.yml: the executor is
Celery everywhere, Redis is private and password-protected, exactly one worker consumes the
DuckDB writer queue with concurrency 1, secrets come from .env, and the worker commands are
`airflow celery ...` commands that the installed Airflow (with the Celery provider of
requirements.lock) parses."""

from __future__ import annotations

import json
import subprocess
import sys

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
    _name, command = consumers[0]
    assert command[command.index("--concurrency") + 1] == "1"


def test_redis_is_not_published_and_requires_a_password():
    redis = CELERY["services"]["redis"]
    assert "ports" not in redis
    assert "--requirepass" in redis["command"]


def test_celery_commands_parse_with_the_installed_airflow():
    """Every `airflow celery ...` command (workers and flower) with its options, through Airflow's own
    CLI parser in a child process; the workers also run for real in test_compose_components."""
    commands = [s["command"][1:] for s in CELERY["services"].values()
                if s.get("command", [])[:2] == ["airflow", "celery"]]
    assert {c[1] for c in commands} == {"worker", "flower"}
    script = (
        "import json, sys\n"
        "from airflow.cli.cli_parser import get_parser\n"
        "for argv in json.loads(sys.argv[1]):\n"
        "    args = get_parser().parse_args(argv)\n"
        "    assert callable(args.func), argv\n"
    )
    out = subprocess.run([sys.executable, "-c", script, json.dumps(commands)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
