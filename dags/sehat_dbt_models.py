"""
### sehat_dbt_models: every dbt model, seed and snapshot as its own task (Cosmos)

The same dbt project `sehat_transform` builds, rendered by Astronomer Cosmos:
one task per model / seed / snapshot, so the UI shows each node's state, log and
duration, and one node (or a node and everything downstream: *Clear* with
"downstream") can be rebuilt without the rest.

* **Manual only** (no schedule). The daily asset chain keeps the single-task
  `sehat_transform` (one `dbt build`, one dbt start-up); here every task pays a
  dbt start-up, so a full run is several times slower (figures in
  docs/operations.md, "dbt per model in Airflow (Cosmos)").
* **Day**: `{"day": "YYYY-MM-DD"}` in the run conf, else the logical date;
  passed to dbt as `--vars {as_of_date: day}`.
* **Tests**: `TestBehavior.BUILD`, each task is `dbt build --select <node>`
  (the node, then its data and unit tests, one dbt start-up); a failing test
  fails the node's task and stops its downstream, as in `dbt build`. Tests with
  several parents run as their own task after all of them.
* **Enrichment first**: the task `enrich_warehouse` runs the enrichment step
  (`sehat.enrich.step`: the `enriched.*` tables the prescription models read as a
  source), as `sehat_transform`'s `dbt build` does; every dbt task without a
  parent waits for it.
* **DuckDB-safe**: `ExecutionMode.LOCAL` with the in-process `dbtRunner` (no
  subprocess per task) and every task in pool `duckdb_writer` (1 slot), so a
  task never writes the warehouse at the same time as another writer.
* **Parsing stays fast**: the DAG is rendered from
  `dbt_project/target/cosmos/manifest.json` (`LoadMode.DBT_MANIFEST`); dbt never
  runs while the file is parsed. `sehat.orchestrate.init_airflow` writes the
  manifest (`sehat.transform.dbt.ensure_manifest`); re-run it after changing the dbt
  project. Without a manifest the DAG holds one task, `manifest_missing`, which
  fails with the command to run.
* **Lookup tables**: the prescription mart reads `enriched.*`, which the enrichment
  step (`sehat.enrich.step`) writes before every daily `dbt build` in
  `sehat_transform`; this DAG reads the tables the last daily build wrote.
"""

from __future__ import annotations

from airflow.sdk import dag, task
from sehat_airflow.common import POOL, START_DATE, day_params, default_args

from sehat.config import COSMOS_MANIFEST, DBT_PROJECT_DIR, settings

DAG_ID = "sehat_dbt_models"
# Written by sehat.transform.dbt.ensure_manifest (at airflow-init).
MANIFEST = COSMOS_MANIFEST
# The day rule of the other DAGs, as a template: conf/params `day`, else the logical date.
AS_OF_DATE = "{{ params.day or ds }}"
TAGS = ["sehat", "transform", "dbt", "cosmos", "duckdb-writer"]
DAG_ARGS = {
    "dag_id": DAG_ID,
    "schedule": None,
    "start_date": START_DATE,
    "catchup": False,
    "max_active_runs": 1,
    "default_args": default_args(),
    "tags": TAGS,
    "doc_md": __doc__,
    "params": day_params("as_of_date for dbt (default: the logical date)"),
}


def cosmos_dag():
    """The Cosmos ``DbtDag``: one task per dbt node, read from the manifest."""
    from cosmos import (
        DbtDag,
        ExecutionConfig,
        ExecutionMode,
        InvocationMode,
        LoadMode,
        ProfileConfig,
        ProjectConfig,
        RenderConfig,
        TestBehavior,
    )

    dbt_dag = DbtDag(
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=MANIFEST,
            install_dbt_deps=False,  # no packages; nothing may download at run time
        ),
        profile_config=ProfileConfig(
            profile_name="sehat",
            target_name="duckdb",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            should_detach_multiple_parents_tests=True,
            emit_datasets=False,  # the asset chain is sehat://warehouse/*, not one asset per table
            exclude=["resource_type:exposure"],  # nothing to run (and no warning per parse)
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        operator_args={
            "pool": POOL,
            "vars": {"as_of_date": AS_OF_DATE},
            # Cosmos runs dbt in a temporary copy of the project: profiles.yml's relative
            # default path would point nowhere, so name the warehouse explicitly.
            "env": {
                "SEHAT_WAREHOUSE": str(settings().warehouse_path),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            },
            "append_env": True,
        },
        **DAG_ARGS,
    )
    with dbt_dag:
        first = enrich_warehouse().operator
    for node_task in dbt_dag.tasks:
        if node_task is not first and not node_task.upstream_task_ids:
            first >> node_task
    return dbt_dag


@task(pool=POOL)
def enrich_warehouse() -> dict:
    """The enrichment step: the ``enriched.*`` tables dbt reads as a source (sehat.enrich.step)."""
    from sehat.enrich.step import enrich

    return enrich()


def placeholder_dag():
    """No manifest yet: a DAG whose only task explains how to create it (no import error)."""

    @dag(**DAG_ARGS)
    def sehat_dbt_models():
        @task(pool=POOL)
        def manifest_missing() -> None:
            """Fails with the command that writes the manifest."""
            raise FileNotFoundError(
                f"{MANIFEST} does not exist, so no dbt task could be rendered. Write it with "
                "`python -m sehat.transform manifest` (the last step of airflow-init); the DAG "
                "processor picks it up on its next parse."
            )

        manifest_missing()

    return sehat_dbt_models()


dbt_models = cosmos_dag() if MANIFEST.exists() else placeholder_dag()
