"""
### sehat_publish: quality-gate every segment, publish the ones that pass

Scheduled by the asset `sehat://warehouse/marts` (emitted by `sehat_transform`). For the latest
day in the triggering events (or `{"day": ...}` in the run conf, else the logical date), each task
is one step of `sehat.daily` (`run_step`), the same code `sehat run --mode inprocess` runs:

1. `validate_segments`: the release gate (`sehat.release.exports`) of every segment declared in
   `dbt_project/segments/*.yml`, each on its own (one failing segment does not hold back the
   others): Great Expectations on the segment read from the read-only snapshot, size bounds, a PII
   scan and the erased-user check; each gate run writes its Data Docs (`published/gate-results/...`)
   and a passing segment is staged as a candidate.
2. `publish_segments`: atomically promotes the candidates that passed (file drop + the campaign
   tool's PostgreSQL table when `SEHAT_CAMPAIGN_DB_URL` is set) and announces
   `sehat://published/segments` once, with the day, run id, each published segment's publication
   id and the names of those not published.
3. `check_rejected_segments`: fails **without retries** (the data will not change by retrying), with
   one line per rejected segment (check, observed vs expected, Data Docs path) in the alert, if any
   segment failed its gate or its publication. What passed is already live; a rejected segment's
   last good publication stays live.

No task writes the DuckDB file (they read the snapshot), so none needs the
writer pool. Recommendations, content rankings and cohorts are trained and
published by `sehat_personalisation`.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task
from sehat_airflow.common import (
    MARTS,
    PUBLISHED,
    START_DATE,
    day_params,
    default_args,
    resolve_days,
    run_step,
)


@dag(
    dag_id="sehat_publish",
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["sehat", "publish", "quality-gate"],
    doc_md=__doc__,
    params=day_params("as_of day when not asset-triggered"),
)
def sehat_publish():
    @task
    def validate_segments() -> dict:
        """Gate every declared segment on its own; stage the ones that pass."""
        return run_step("validate_segments", MARTS)

    @task(outlets=[PUBLISHED])
    def publish_segments(gate: dict) -> dict:
        """Publish what passed, then announce the day's publications in one asset event."""
        result = run_step("publish_segments", MARTS, earlier={"validate_segments": gate})
        context = get_current_context()
        context["outlet_events"][PUBLISHED].extra = {
            "day": resolve_days(context, MARTS)[-1],
            "run_id": context["run_id"],
            "published": result["published"],
            "not_published": sorted(result["failed"]),
        }
        return result

    @task
    def check_rejected_segments(outcome: dict) -> dict:
        """Fail (no retry, one alert line per segment) if any segment was not published."""
        return run_step("check_rejected_segments", MARTS, earlier={"publish_segments": outcome})

    check_rejected_segments(publish_segments(validate_segments()))


sehat_publish()
