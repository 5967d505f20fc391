"""
### sehat_transform: dbt build for the landed day(s), then refresh the reader snapshot

Scheduled by the asset `sehat://warehouse/raw` (emitted by `sehat_ingest`).
The day(s) come from the triggering events' extras; when several ingest runs
finished before this run started, their days are built one after the other in
date order. Without triggering events (manual run, `airflow dags test`) the
day is `{"day": ...}` from the run conf, else the logical date.

Each task is one step of `sehat.daily` (`run_step`), the same code `sehat run --mode inprocess` runs:

1. `dbt_build`: the enrichment step (`enriched.*` lookup tables), then one `dbt build`
   subprocess per day, as of that day (4 dbt threads in one process; dbt's unit tests run in CI,
   not in the daily build). With `SEHAT_ENGINE=spark` the build runs on Spark from the Parquet
   lake and its tables are imported back into the DuckDB file (`sehat.transform.dbt.dbt_build`,
   docs/spark.md); the task is the same;
2. `refresh_reader`: copy the checkpointed writer file to the read-only
   snapshot (atomic rename) and announce `sehat://warehouse/marts` with
   `{"day": <latest day>, "days": [...]}`, which schedules `sehat_publish`.

Both tasks write the DuckDB file, so both run in pool `duckdb_writer`.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task
from sehat_airflow.common import (
    MARTS,
    POOL,
    RAW,
    START_DATE,
    day_params,
    default_args,
    resolve_days,
    run_step,
)


@dag(
    dag_id="sehat_transform",
    schedule=[RAW],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["sehat", "transform", "dbt", "duckdb-writer"],
    doc_md=__doc__,
    params=day_params("as_of_date when not asset-triggered"),
)
def sehat_transform():
    @task(pool=POOL)
    def dbt_build() -> list:
        """The enrichment step, then `dbt build` as of each day, oldest first (a dbt subprocess)."""
        return run_step("dbt_build", RAW)

    @task(pool=POOL, outlets=[MARTS])
    def refresh_reader() -> str:
        """Publish the read-only snapshot and announce the marts with the day(s)."""
        path = run_step("refresh_reader", RAW)
        context = get_current_context()
        days = resolve_days(context, RAW)
        context["outlet_events"][MARTS].extra = {"day": days[-1], "days": days, "run_id": context["run_id"],
                                                 "snapshot": path}
        return path

    dbt_build() >> refresh_reader()


sehat_transform()
