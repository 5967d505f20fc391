"""Failure alerts: one JSON line per failed task in ``$SEHAT_HOME/alerts/alerts.jsonl``.

Used as ``on_failure_callback`` in every Sehat DAG's ``default_args``. Airflow
calls it once a task has failed for good (retries exhausted, or a failure that
must not be retried such as a quality gate). The record names the DAG, task,
run and try and carries the exception, so an on-call engineer (or a log
shipper tailing the file) sees what broke without opening the UI.

The callback never raises: an alert that cannot be written must not hide the
task's own failure.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def alerts_path() -> Path:
    """``$SEHAT_HOME/alerts/alerts.jsonl`` (``SEHAT_HOME`` as resolved by ``sehat.config``)."""
    home = os.environ.get("SEHAT_HOME")
    if not home:
        from sehat.config import settings  # light module; only when SEHAT_HOME is unset

        home = str(settings().home)
    return Path(home) / "alerts" / "alerts.jsonl"


def alert_record(context: Mapping[str, Any]) -> dict[str, Any]:
    """Build the alert record from an Airflow task context (tolerates missing keys)."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    exception = context.get("exception")
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "dag": getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None),
        "task": getattr(ti, "task_id", None),
        "run": getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None),
        "try": getattr(ti, "try_number", None),
        "max_tries": getattr(ti, "max_tries", None),
        "exception": (
            f"{type(exception).__name__}: {exception}"
            if isinstance(exception, BaseException)
            else (str(exception) if exception is not None else None)
        ),
    }


def record_failure(context: Mapping[str, Any]) -> None:
    """``on_failure_callback``: append one alert line; log instead of raising on error."""
    _append(alert_record(context))


def record_warnings(context: Mapping[str, Any], warnings: list[str]) -> None:
    """Alert lines for a task that succeeded but found something an engineer must see
    (CleverTap: unrecognised landing files, a broken API page chain, files landed for an
    already-loaded day, an allowed shrink). ``"level": "warning"`` tells them from failures."""
    for warning in warnings:
        _append(alert_record(context) | {"level": "warning", "exception": None, "warning": warning})


def _append(record: dict[str, Any]) -> None:
    """Append one alert line; log instead of raising on error."""
    try:
        path = alerts_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, default=str) + "\n"
        # One write() on an O_APPEND descriptor: concurrent tasks never interleave lines.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        log.error("Sehat alert recorded in %s: %s", path, line.strip())
    except Exception:
        log.exception("could not record the Sehat failure alert")
