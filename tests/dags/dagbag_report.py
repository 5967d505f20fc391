"""Load every DAG file with DagBag and print a JSON report (run in a subprocess by the tests).

Run it in its own process so Airflow's configuration comes only from the
environment the test sets, and the test process stays Airflow-free.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(dags_folder: str) -> None:
    started = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag

    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    bag = DagBag(dag_folder=dags_folder)
    bag_seconds = time.perf_counter() - started
    files = sorted(str(p) for p in Path(dags_folder).glob("*.py"))
    per_file = {
        str(stat.file): stat.duration.total_seconds()
        if hasattr(stat.duration, "total_seconds")
        else stat.duration
        for stat in bag.dagbag_stats
    }
    report = {
        "airflow_import_seconds": round(import_seconds, 3),
        "dagbag_seconds": round(bag_seconds, 3),
        "per_file_seconds": per_file,
        "files": files,
        "import_errors": {str(k): v for k, v in bag.import_errors.items()},
        "heavy_modules_loaded": sorted(
            m
            for m in (
                "sehat.ingest",
                "sehat.transform",
                "sehat.release",
                "duckdb",
                "dbt",
                "great_expectations",
                "pandas",
            )
            if m in sys.modules
        ),
        "dags": {},
    }
    for dag_id, dag in bag.dags.items():
        report["dags"][dag_id] = {
            "fileloc": dag.fileloc,
            "tags": sorted(dag.tags),
            "doc_md": dag.doc_md or "",
            "max_active_runs": dag.max_active_runs,
            "catchup": dag.catchup,
            "schedule": repr(dag.timetable),
            "tasks": {
                task.task_id: {
                    "owner": task.owner,
                    "retries": task.retries,
                    "retry_exponential_backoff": float(task.retry_exponential_backoff or 0),
                    "retry_delay_seconds": task.retry_delay.total_seconds(),
                    "pool": task.pool,
                    "queue": task.queue,
                    "on_failure_callback": [
                        getattr(cb, "__qualname__", str(cb))
                        for cb in (
                            task.on_failure_callback
                            if isinstance(task.on_failure_callback, list)
                            else [task.on_failure_callback]
                        )
                        if cb
                    ],
                    "outlets": [getattr(o, "uri", str(o)) for o in task.outlets],
                    "upstream": sorted(task.upstream_task_ids),
                }
                for task in dag.tasks
            },
        }
    print("DAGBAG_REPORT " + json.dumps(report, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
