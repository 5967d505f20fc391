"""DAG parse time: how long Airflow's DAG processor spends on each file of ``dags/``.

The DAG processor re-parses every file every ``dag_dir_list_interval`` /
``refresh_interval`` seconds, each time in a process forked from one that has
already imported Airflow. :func:`bench_dag_parse` reproduces exactly that: one
child interpreter imports Airflow once (timed separately), then for every file
and every repeat forks and times ``DagBag(<file>)`` in the fork, so each figure
includes what the file itself imports (Cosmos, ``sehat_airflow``) but not Airflow.
The median of the repeats is the figure to watch; the Cosmos DAG is rendered from
its dbt manifest, which :func:`sehat.transform.ensure_manifest` writes first.

    python -m sehat.bench_airflow            # writes benchmarks/results/dag_parse.json
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
    do not change the figures. Returns the figures :func:`sehat.bench.write_results`
    stores.
    """
    from sehat.orchestrate import airflow_env
    from sehat.transform import ensure_manifest

    manifest = ensure_manifest()
    env = dict(env or airflow_env(cfg or settings()))
    proc = subprocess.run(
        [sys.executable, "-m", "sehat.bench_airflow", "--child", str(dags_folder), str(repeats)],
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
        "dbt_manifest": str(manifest),
        "method": "one interpreter imports Airflow, then fork + DagBag(file) per file and repeat "
        "(as Airflow 3's DAG processor parses a file)",
    }


# --------------------------------------------------------------------------- child process


def _parse_in_fork(path: Path) -> dict:
    """Fork, time ``DagBag(path)`` in the child, return its figures through a pipe."""
    import time

    from airflow.dag_processing.dagbag import DagBag

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        started = time.perf_counter()
        bag = DagBag(dag_folder=str(path))
        result = {
            "seconds": time.perf_counter() - started,
            "dags": sorted(bag.dags),
            "tasks": sum(len(d.tasks) for d in bag.dags.values()),
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


def main() -> None:
    """``python -m sehat.bench_airflow [repeats]``: measure and write benchmarks/results/dag_parse.json."""
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]))
        return
    from sehat.bench import write_results

    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    figures = bench_dag_parse(repeats=repeats)
    out = write_results("dag_parse", figures, f"python -m sehat.bench_airflow {repeats}")
    print(json.dumps({k: v for k, v in figures.items() if k != "files"}, indent=2))
    for name, f in figures["files"].items():
        print(f"{name:36} {f['median_seconds']:6.3f}s  ({f['tasks']} tasks)")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
