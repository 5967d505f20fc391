"""DAG parse time: how long Airflow's DAG processor spends on each file of ``dags/``.

The figures are Airflow's own: the ``FileLoadStat`` durations a ``DagBag`` records
while it parses (what ``airflow dags report`` prints). Airflow 3's DAG processor
parses each file in a process forked from one that has already imported Airflow,
so :func:`bench_dag_parse` does the same: one child interpreter imports Airflow
once (timed separately), then, for every file and every repeat, forks and loads
``DagBag(<file>)`` in the fork. Each figure therefore includes what the file itself
imports (Cosmos, ``sehat_airflow``) but not Airflow. The median of the repeats is
the figure to watch. The Cosmos DAG is rendered from its dbt manifest, which
:func:`sehat.transform.dbt.ensure_manifest` writes first.

    sehat bench dag-parse --repeats 5      # writes benchmarks/results/dag_parse.json
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from sehat.config import REPO_ROOT, Settings, settings

DAGS_FOLDER = REPO_ROOT / "dags"
_MARK = "DAG_PARSE "


def bench_dag_parse(
    repeats: int = 5,
    dags_folder: Path = DAGS_FOLDER,
    cfg: Settings | None = None,
    env: Mapping[str, str] | None = None,
) -> dict:
    """Parse time of every DAG file (seconds; median, min, max of ``repeats`` forked parses).

    Runs in a child process with the environment of a local deployment
    (:func:`sehat.orchestrate.airflow_env`) so the shell's ``AIRFLOW_*`` variables
    do not change the figures. Returns the figures :func:`sehat.bench.results.write_results`
    stores.
    """
    from sehat.orchestrate import airflow_env
    from sehat.transform.dbt import ensure_manifest

    manifest = ensure_manifest()
    env = dict(env or airflow_env(cfg or settings()))
    proc = subprocess.run(
        [sys.executable, "-m", "sehat.bench.dag_parse", "--child", str(dags_folder), str(repeats)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    line = next((l for l in proc.stdout.splitlines() if l.startswith(_MARK)), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(
            f"DAG parse benchmark failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    raw = json.loads(line.removeprefix(_MARK))
    files = {
        name: {
            "median_seconds": round(statistics.median(r["seconds"]), 3),
            "min_seconds": round(min(r["seconds"]), 3),
            "max_seconds": round(max(r["seconds"]), 3),
            "dags": r["dags"],
            "tasks": r["tasks"],
            "import_errors": r["import_errors"],
        }
        for name, r in sorted(raw["files"].items())
    }
    return {
        "repeats": repeats,
        "airflow_import_seconds": round(raw["airflow_import_seconds"], 3),
        "total_median_seconds": round(sum(f["median_seconds"] for f in files.values()), 3),
        "files": files,
        "dbt_manifest": str(Path(manifest).resolve().relative_to(REPO_ROOT)) if Path(manifest).resolve()
        .is_relative_to(REPO_ROOT) else Path(manifest).name,
        "method": "Airflow's DagBag parse stats (FileLoadStat.duration, as `airflow dags report`), one fork "
        "+ DagBag(file) per file and repeat in an interpreter that imported Airflow once "
        "(as Airflow 3's DAG processor parses a file)",
    }


# --------------------------------------------------------------------------- child process


def _parse_in_fork(path: Path) -> dict:
    """Fork, load ``DagBag(path)`` in the child, return Airflow's parse stats for the file through a pipe."""
    from airflow.dag_processing.dagbag import DagBag

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        bag = DagBag(dag_folder=str(path))
        stat = bag.dagbag_stats[0] if bag.dagbag_stats else None
        result = {
            "seconds": stat.duration.total_seconds() if stat else None,
            "dags": sorted(bag.dags),
            "tasks": stat.task_num if stat else 0,
            "import_errors": {str(k): str(v)[-500:] for k, v in bag.import_errors.items()},
        }
        with os.fdopen(write_fd, "w") as out:
            out.write(json.dumps(result))
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as inp:
        data = inp.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def _child(dags_folder: str, repeats: int) -> None:
    import time

    started = time.perf_counter()
    import airflow.dag_processing.dagbag  # what the DAG processor has loaded already
    import airflow.sdk  # noqa: F401

    import_seconds = time.perf_counter() - started
    files: dict[str, dict] = {}
    for path in sorted(Path(dags_folder).glob("*.py")):
        runs = [_parse_in_fork(path) for _ in range(repeats)]
        files[path.name] = {**runs[-1], "seconds": [r["seconds"] for r in runs]}
    print(
        _MARK + json.dumps({"airflow_import_seconds": import_seconds, "files": files}), flush=True
    )


if __name__ == "__main__":  # the child process of bench_dag_parse
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]))
