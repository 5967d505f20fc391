"""
### sehat_ingest: land one export day in the warehouse's `raw` schema

Loads the CleverTap files of one export day (cloud export chunks and Get Events
API pages) and extracts the production tables changed up to the end of that
day, both into the single-writer DuckDB file. When both loads succeed it
announces the asset `sehat://warehouse/raw` with `{"day": "YYYY-MM-DD"}`, which
schedules `sehat_transform`.

* **Which day**: the run's logical date. The schedule is a daily *data
  interval*, so the run for day D starts after D ends and its logical date is D.
  A manual run may pass `{"day": "YYYY-MM-DD"}` instead.
* **Tasks**: each is one step of `sehat.daily` (`run_step`), the same code `sehat run --mode inprocess`
  runs. The three loads (CleverTap, production tables, SAPE labels) and the erasure run in pool
  `duckdb_writer` (one slot); the erasure, last, announces the raw asset.
* **Erasure**: after every load, `erase_deleted_users` purges the personal data of users deleted at the
  source (and of erasure requests) from raw, before the transform reads it (`sehat.erasure`;
  docs/design.md), then emits the asset event with the day in its extra.
* **Re-runs** are safe: every load is idempotent per day. A rerun that would load fewer
  CleverTap files for the day than its last load fails with a clear message unless the
  param `allow_shrink` is true (or `SEHAT_CLEVERTAP_ALLOW_SHRINK=1`).
* **Warnings** (unrecognised landing files, broken API page chains, files landed for an
  already-loaded day, which is then reloaded) go to the load log and to the alerts file
  with `"level": "warning"`; the task still succeeds.
* **A day without any CleverTap file fails** `ingest_clevertap` (and alerts) unless
  declared empty with `SEHAT_EMPTY_DAYS_OK` (`all` or a list of days): a freshly
  unpaused DAG schedules yesterday, which a sample never has.
* **Task logs** name the files read, lines loaded, quarantined by reason and the time.
* **Failures** are retried with exponential backoff, then recorded in
  `$SEHAT_HOME/alerts/alerts.jsonl`.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task
from sehat_airflow.common import (
    POOL,
    RAW,
    START_DATE,
    day_params,
    default_args,
    ingest_schedule,
    resolve_days,
    run_step,
)


@dag(
    dag_id="sehat_ingest",
    schedule=ingest_schedule(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["sehat", "ingest", "duckdb-writer"],
    doc_md=__doc__,
    params=day_params("Export day to load (default: the logical date)")
    | {"allow_shrink": Param(False, type="boolean",
                             description="Let a rerun load fewer CleverTap files for the day than its last load")},
)
def sehat_ingest():
    @task(pool=POOL)
    def ingest_clevertap() -> dict:
        """CleverTap export files + API pages of the day -> raw.clevertap_events / quarantine."""
        allow_shrink = bool(get_current_context()["params"].get("allow_shrink"))
        return run_step("ingest_clevertap", options={"allow_shrink": allow_shrink})

    @task(pool=POOL)
    def extract_production() -> list:
        """Production tables changed before day+1 -> raw.prod_<table> (one batch per day)."""
        return run_step("extract_production")

    @task(pool=POOL)
    def load_labels() -> list:
        """The labelling team's SAPE label files -> raw.sape_*_labels (replaced on each load)."""
        return run_step("load_labels")

    @task(pool=POOL, outlets=[RAW])
    def erase_deleted_users() -> dict:
        """Purge the raw personal data of users deleted at the source, then announce the raw asset."""
        result = run_step("erase_deleted_users")
        context = get_current_context()
        context["outlet_events"][RAW].extra = {"day": resolve_days(context)[-1], "run_id": context["run_id"]}
        return result

    [ingest_clevertap(), extract_production(), load_labels()] >> erase_deleted_users()


sehat_ingest()
