"""Run the Sehat DAGs through Airflow from plain Python (no Airflow import here).

Everything goes through the ``airflow`` command line and the REST API (``/api/v2``)
of the components this package starts, exactly as an operator would, so it works
with any Airflow install on ``PATH`` and never touches the metadata database itself.
One job per module:

* :mod:`.env`: :func:`airflow_env` (the environment of every Airflow process),
  :func:`init_airflow`, :func:`compose_commands` (``docker-compose.yml`` declares how
  components start; the local route runs the same argv lists);
* :mod:`.processes`: :class:`Components`, a process group started and stopped together;
* :mod:`.api`: :class:`ApiClient`, the REST client;
* :mod:`.dags_test`: :func:`run_day_dags_test` (``airflow dags test`` per DAG, one day);
* :mod:`.scheduler`: :func:`run_through_scheduler` (the real components, end to end)
  and :func:`standalone`;
* :mod:`.backfill`: Airflow backfills over a date range;
* :mod:`.cli`: ``sehat airflow standalone|backfill`` (also ``python -m sehat.orchestrate``).

The names below stay importable from ``sehat.orchestrate`` for callers.
"""

from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.backfill import create_backfill, wait_for_backfill
from sehat.orchestrate.dags_test import DagsTestResult, run_day_dags_test
from sehat.orchestrate.env import (
    COMPONENTS,
    COMPOSE_FILE,
    DAG_IDS,
    INIT_SERVICE,
    POOL_NAME,
    SIMPLE_AUTH_MANAGER,
    TERMINAL,
    airflow_bin_dir,
    airflow_env,
    airflow_home,
    compose_commands,
    free_port,
    init_airflow,
    local_commands,
    run_airflow,
    standalone_env,
)
from sehat.orchestrate.processes import Components
from sehat.orchestrate.scheduler import (
    SchedulerRunResult,
    run_through_scheduler,
    standalone,
    wait_until_ready,
)

__all__ = [
    "COMPONENTS",
    "COMPOSE_FILE",
    "DAG_IDS",
    "INIT_SERVICE",
    "POOL_NAME",
    "SIMPLE_AUTH_MANAGER",
    "TERMINAL",
    "ApiClient",
    "Components",
    "DagsTestResult",
    "SchedulerRunResult",
    "airflow_bin_dir",
    "airflow_env",
    "airflow_home",
    "compose_commands",
    "create_backfill",
    "free_port",
    "init_airflow",
    "local_commands",
    "run_airflow",
    "run_day_dags_test",
    "run_through_scheduler",
    "standalone",
    "standalone_env",
    "wait_for_backfill",
    "wait_until_ready",
]


def __getattr__(name: str):
    # The typer app (``sehat airflow``) loads on demand: importing the package needs no typer.
    if name == "app":
        from sehat.orchestrate.cli import app

        return app
    raise AttributeError(f"module 'sehat.orchestrate' has no attribute {name!r}")
