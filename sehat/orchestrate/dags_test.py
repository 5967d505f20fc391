"""``airflow dags test`` of ingest -> transform -> publish for one day, each in one process (no scheduler)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sehat.config import Settings
from sehat.orchestrate.env import DAG_IDS, _say, _tail, airflow_env, init_airflow, run_airflow


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
