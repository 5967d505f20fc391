"""The Cosmos DAG ``sehat_dbt_models``: one task per dbt node, from the manifest, DuckDB-safe.

* The DAG rendered from ``dbt_project/target/cosmos/manifest.json`` holds exactly one
  ``dbt build`` task per model, seed and snapshot of the manifest (plus one task per
  test with several parents), wired like the manifest's ``depends_on``, after the
  enrichment step's task ``enrich_warehouse`` (before every task without a parent), every task in
  the one-slot ``duckdb_writer`` pool, ``as_of_date`` templated from the run's day.
* Without a manifest the file still imports: one ``manifest_missing`` task.
* One real DAG run on the small raw fixture warehouse (``dag.test()``, what ``airflow
  dags test`` runs, with every other task marked successful): the enrichment step writes
  ``enriched.*``, the CleverTap staging model is built and its data tests pass, with the
  run's day passed as ``--vars``.

Airflow runs in subprocesses with an environment built from scratch (as in
``test_dag_integrity.py``); the test process never imports Airflow.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import duckdb
import pytest

from sehat.config import COSMOS_MANIFEST, REPO_ROOT
from sehat.orchestrate import init_airflow
from tests.dags.conftest import settings_for, test_env
from tests.dbt.conftest import create_raw_warehouse

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(400)]

DAG_ID = "sehat_dbt_models"
BUILT = {"model", "seed", "snapshot"}

RUN_TASK = "stg_clevertap__events_model_build"
ENRICH = "enrich_warehouse"  # the enrichment step, before every dbt task
DAY = "2025-11-29"

# In one Airflow process (one Airflow import for the whole module): load the DAG file with
# DagBag as deployed, run it like `airflow dags test` with every task but the enrichment step and
# RUN_TASK marked successful, then load the file again with the dbt project and manifest in an empty folder
# (no manifest). Prints what the assertions need as one JSON line.
SCRIPT = textwrap.dedent(
    """
    import json, re, sys
    from datetime import datetime, timezone
    from pathlib import Path
    from airflow.dag_processing.dagbag import DagBag
    import sehat.config

    def load():
        bag = DagBag(dag_folder=str(Path("dags") / "sehat_dbt_models.py"))
        return bag, bag.dags.get("sehat_dbt_models")

    def describe(bag, dag):
        return {
            "import_errors": {str(k): str(v)[-2000:] for k, v in bag.import_errors.items()},
            "doc_md": dag.doc_md if dag else "",
            "tasks": {
                t.task_id: {
                    "operator": type(t).__name__,
                    "pool": t.pool,
                    "select": getattr(t, "select", None),
                    "vars": getattr(t, "vars", None),
                    "upstream": sorted(t.upstream_task_ids),
                }
                for t in (dag.tasks if dag else [])
            },
        }

    run_task, day, manifest_path = sys.argv[2], sys.argv[3], Path(sys.argv[4])
    bag, dag = load()
    # read next to the DAG, so both come from the same manifest even if it is rewritten later
    nodes = {
        uid: {"resource_type": n["resource_type"], "fqn": n["fqn"],
              "parents": n.get("depends_on", {}).get("nodes", [])}  # seeds have no depends_on.nodes
        for uid, n in json.loads(manifest_path.read_text())["nodes"].items()
    }
    deployed = describe(bag, dag)
    heavy = sorted(m for m in ("dbt", "duckdb", "sehat.transform") if m in sys.modules)
    run = dag.test(
        logical_date=datetime(2025, 11, 30, tzinfo=timezone.utc),
        run_conf={"day": day},
        mark_success_pattern=f"(?!(?:{re.escape(run_task)}|enrich_warehouse)$).*",
    )
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    sehat.config.DBT_PROJECT_DIR = Path(sys.argv[1])
    sehat.config.COSMOS_MANIFEST = Path(sys.argv[1]) / "target" / "cosmos" / "manifest.json"
    missing = describe(*load())
    print("DBT_DAG " + json.dumps({
        "deployed": deployed, "missing": missing, "heavy": heavy, "nodes": nodes,
        "run": {"state": str(run.state), "task_state": states.get(run_task), "tasks": len(states),
                "enrich_state": states.get("enrich_warehouse")},
    }))
    """
)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> tuple[dict[str, str], object]:
    """A fresh local deployment (metadata DB, writer pool, dbt manifest) on a temporary SEHAT_HOME,
    with the small raw fixture warehouse."""
    cfg = settings_for(tmp_path_factory.mktemp("sehat_home"))
    env = test_env(cfg)
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"  # nothing leaves the machine
    init_airflow(env=env)  # also writes the manifest (sehat.transform.dbt.ensure_manifest)
    create_raw_warehouse(cfg.warehouse_path)
    return env, cfg


@pytest.fixture(scope="module")
def report(deployment, tmp_path_factory) -> dict:
    env, _ = deployment
    empty_project = tmp_path_factory.mktemp("no_dbt_project")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(empty_project), RUN_TASK, DAY, str(COSMOS_MANIFEST)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-8000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("DBT_DAG "))
    return {**json.loads(line.removeprefix("DBT_DAG ")), "output": out}


def _selector(node: dict) -> str:
    return "fqn:" + ".".join(node["fqn"])


def test_one_build_task_per_dbt_node_wired_like_the_manifest(report):
    dag = report["deployed"]
    assert dag["import_errors"] == {}
    tasks = dag["tasks"]
    nodes = {uid: n for uid, n in report["nodes"].items() if n["resource_type"] in BUILT}
    assert len(nodes) >= 60  # the whole project, not a partial render
    builds = {
        t["select"]: task_id
        for task_id, t in tasks.items()
        if t["operator"] == "DbtBuildLocalOperator"
    }
    assert set(builds) == {_selector(n) for n in nodes.values()}
    assert len(builds) == len(nodes)  # one task per node, no duplicates

    # Tests with several parents run as their own task, after all of those parents.
    tests = {uid: n for uid, n in report["nodes"].items() if n["resource_type"] == "test"}
    multi_parent = {uid for uid, n in tests.items() if len(set(n["parents"])) > 1}
    detached = [t for t in tasks.values() if t["operator"] == "DbtTestLocalOperator"]
    assert len(detached) == len(multi_parent)
    assert len(tasks) == len(nodes) + len(multi_parent) + 1  # + the enrichment step
    assert tasks[ENRICH]["upstream"] == []

    # Each node's task waits for the tasks of exactly its parents among the rendered nodes,
    # a node without any for the enrichment step.
    task_of = {uid: builds[_selector(n)] for uid, n in nodes.items()}
    for uid, node in nodes.items():
        parents = {task_of[p] for p in node["parents"] if p in task_of}
        assert set(tasks[task_of[uid]]["upstream"]) == (parents or {ENRICH}), uid


def test_every_task_holds_the_writer_slot_and_gets_the_day(report):
    tasks = report["deployed"]["tasks"]
    assert {t["pool"] for t in tasks.values()} == {"duckdb_writer"}
    assert {json.dumps(t["vars"]) for name, t in tasks.items() if name != ENRICH} == {
        json.dumps({"as_of_date": "{{ params.day or ds }}"})
    }
    assert report["heavy"] == []  # parsing the DAG never imports dbt (nor DuckDB)


def test_without_a_manifest_the_dag_explains_itself(report):
    missing = report["missing"]
    assert missing["import_errors"] == {}
    assert list(missing["tasks"]) == ["manifest_missing"]
    assert missing["tasks"]["manifest_missing"]["pool"] == "duckdb_writer"
    assert "manifest" in missing["doc_md"]


def test_one_model_task_runs_on_a_small_warehouse(deployment, report):
    """A DAG run where only the enrichment step and the CleverTap staging task execute (the others are
    marked successful)."""
    _, cfg = deployment
    run, out = report["run"], report["output"]
    assert run["task_state"] == run["enrich_state"] == "success" and run["state"] == "success", out[-8000:]
    assert run["tasks"] == len(report["deployed"]["tasks"])
    assert f"as_of_date: '{DAY}'" in out  # the run's day reached dbt as --vars
    done = re.findall(r"Done\. PASS=(\d+) WARN=\d+ ERROR=(\d+) SKIP=(\d+)", out)
    assert len(done) == 1, out[-8000:]  # exactly one dbt invocation: the selected task
    passed, errors, skipped = map(int, done[0])
    assert passed >= 5 and errors == 0 and skipped == 0  # the model and its data tests
    with duckdb.connect(str(cfg.warehouse_path), read_only=True) as con:
        built = con.execute("SELECT count(*) FROM staging.stg_clevertap__events").fetchone()[0]
        raw = con.execute("SELECT count(DISTINCT event_key) FROM raw.clevertap_events").fetchone()[
            0
        ]
    assert built == raw > 0
    with duckdb.connect(str(cfg.warehouse_path), read_only=True) as con:
        medicines = con.execute("SELECT count(*) FROM enriched.medicines_parsed").fetchone()[0]
    assert medicines > 0  # the fixture's prescriptions, parsed by the enrichment task
