"""
### sehat_transform: dbt build for the landed day(s), then refresh the reader snapshot

Scheduled by the asset `sehat://warehouse/raw` (emitted by `sehat_ingest`).
The day(s) come from the triggering events' extras; when several ingest runs
finished before this run started, their days are built one after the other in
date order. Without triggering events (manual run, `airflow dags test`) the
day is `{"day": ...}` from the run conf, else the logical date.

1. `dbt_build`: the enrichment step (`enriched.*` lookup tables), then one `dbt build`
   subprocess per day with `--vars {as_of_date: day}`. With `SEHAT_ENGINE=spark` the build
   runs on Spark from the Parquet lake and its tables are imported back into the DuckDB
   file (`sehat.transform.dbt.dbt_build`, docs/spark.md); the task is the same;
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
    as_plain,
    day_params,
    default_args,
    resolve_days,
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
    @task
    def resolve_day_range() -> list[str]:
        """The day(s) to build, from the triggering raw events (or conf / logical date)."""
        return resolve_days(get_current_context(), RAW)

    @task(pool=POOL)
    def dbt_build(days: list[str]) -> list:
        """`dbt build --vars {as_of_date: day}` per day, oldest first (dbt runs as a subprocess)."""
        from sehat.transform.dbt import dbt_build as build

        results = []
        for day in days:
            result = build(vars={"as_of_date": day})
            if getattr(result, "success", True) is False:
                raise RuntimeError(f"dbt build failed for as_of_date={day}: {as_plain(result)}")
            results.append(as_plain(result))
        return results

    @task(pool=POOL, outlets=[MARTS])
    def refresh_reader(days: list[str], _built: list) -> str:
        """Publish the read-only snapshot and announce the marts with the day(s)."""
        from sehat.warehouse import refresh_reader as refresh

        path = refresh()
        context = get_current_context()
        context["outlet_events"][MARTS].extra = {
            "day": days[-1],
            "days": days,
            "run_id": context["run_id"],
            "snapshot": str(path),
        }
        return str(path)

    days = resolve_day_range()
    refresh_reader(days, dbt_build(days))


sehat_transform()
