"""Airflow cluster policies for Sehat (Airflow imports this module by name from ``sys.path``;
the plugins folder is on it for every component).

One rule: a task in the ``duckdb_writer`` pool also goes to the ``duckdb_writer``
queue. The pool (one slot) serialises writers under every executor; the queue
matters only under the CeleryExecutor, where exactly one worker consumes it: the
one that mounts the warehouse (``docker-compose.celery.yml``). Setting it here,
once, means no DAG (hand-written or rendered by Cosmos) can forget it. The Local
executor ignores queues, so the rule is harmless on one machine.
"""

from __future__ import annotations

WRITER_QUEUE = "duckdb_writer"


def task_policy(task) -> None:
    """Route warehouse writers to the writer queue (parse time, every DAG)."""
    # Imported here, not at module level: Airflow loads this module while it configures itself,
    # before airflow.sdk (which sehat_airflow.common imports) can be imported.
    from sehat_airflow.common import POOL

    if task.pool == POOL:
        task.queue = WRITER_QUEUE
