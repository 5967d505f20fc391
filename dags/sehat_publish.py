"""
### sehat_publish: quality-gate the segment, then publish it

Scheduled by the asset `sehat://warehouse/marts` (emitted by
`sehat_transform`). For the latest day in the triggering events (or
`{"day": ...}` in the run conf, else the logical date):

1. `validate_segment`: Great Expectations on the segment read from the
   read-only snapshot; stages a candidate. A failed expectation fails the task
   **without retries** (the data will not change by retrying) and nothing is
   published; the failure is recorded in `$SEHAT_HOME/alerts/alerts.jsonl`.
2. `publish_segment`: atomically promotes the validated candidate and announces
   `sehat://published/segments` with the day, segment and publication id.
3. `validate_segments`: the same gate for every other segment declared in
   `dbt_project/segments/*.yml`, each on its own (one failing segment does not
   hold back the others).
4. `publish_segments`: publishes the ones that passed (file drop + the campaign
   tool's PostgreSQL table when `SEHAT_CAMPAIGN_DB_URL` is set), then fails the
   task, with an alert, if any segment failed its gate.

No task writes the DuckDB file (they read the snapshot), so none needs the
writer pool. Recommendations, content rankings and cohorts are trained and
published by `sehat_personalisation`.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task
from sehat_airflow.common import (
    MARTS,
    PUBLISHED,
    SEGMENT,
    START_DATE,
    as_plain,
    day_params,
    default_args,
    resolve_days,
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
    def validate_segment() -> dict:
        """Run the quality gate; GateFailed -> fail now, no retry, nothing published."""
        from datetime import date

        from airflow.sdk.exceptions import AirflowFailException

        from sehat.gate import GateFailed
        from sehat.gate import validate_segment as validate

        context = get_current_context()
        day = resolve_days(context, MARTS)[-1]
        run_id = context["run_id"]  # the domain code makes it path-safe
        try:
            result = validate(SEGMENT, date.fromisoformat(day), run_id)
        except GateFailed as exc:
            raise AirflowFailException(
                f"quality gate failed for {SEGMENT} as of {day}: {exc}"
            ) from exc
        return {"segment": SEGMENT, "day": day, "run_id": run_id, "gate": as_plain(result)}

    @task(outlets=[PUBLISHED])
    def publish_segment(validated: dict) -> dict:
        """Promote the validated candidate (atomic pointer swap) and announce it."""
        from sehat.publish import publish_segment as publish

        publication = as_plain(publish(validated["segment"], validated["run_id"]))
        context = get_current_context()
        context["outlet_events"][PUBLISHED].extra = {
            "segment": validated["segment"],
            "day": validated["day"],
            "run_id": validated["run_id"],
        }
        return {**validated, "publication": publication}

    @task
    def validate_segments(published: dict) -> dict:
        """Gate every other declared segment independently; stage the ones that pass."""
        from datetime import date

        from sehat.gate import validate_many
        from sehat.segments import segment_names

        others = [name for name in segment_names() if name != SEGMENT]
        gate = validate_many(others, date.fromisoformat(published["day"]), published["run_id"])
        return {"day": published["day"], "run_id": published["run_id"], **gate}

    @task
    def publish_segments(validated: dict) -> dict:
        """Publish what passed; fail (alert) afterwards if any segment did not pass or publish."""
        from airflow.sdk.exceptions import AirflowFailException

        from sehat.publish import publish_many

        result = publish_many(validated["passed"], validated["run_id"])
        failed = {**validated["failed"], **result["failed"]}
        if failed:
            raise AirflowFailException(
                f"published {sorted(result['published'])}; not published: "
                + "; ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
            )
        return result

    publish_segments(validate_segments(publish_segment(validate_segment())))


sehat_publish()
