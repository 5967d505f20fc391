"""
### sehat_publish: quality-gate the segment, then publish it

Scheduled by the asset `sehat://warehouse/marts` (emitted by
`sehat_transform`). For the latest day in the triggering events (or
`{"day": ...}` in the run conf, else the logical date):

1. `validate_segment`: the release gate (`sehat.release.exports`): Great
   Expectations on the segment read from the read-only snapshot, size bounds
   and a PII scan; stages a candidate. A failed check fails the task **without
   retries** (the data will not change by retrying) and nothing is published;
   the failure is recorded in `$SEHAT_HOME/alerts/alerts.jsonl` with the path of
   the gate run's Data Docs (`published/gate-results/...`).
2. `publish_segment`: atomically promotes the validated candidate.
3. `validate_segments`: the same gate for every other segment declared in
   `dbt_project/segments/*.yml` (the first one is not published twice), each on
   its own (one failing segment does not hold back the others).
4. `publish_segments`: publishes the ones that passed (file drop + the campaign
   tool's PostgreSQL table when `SEHAT_CAMPAIGN_DB_URL` is set) and announces
   `sehat://published/segments` once, after every segment of the day, with the
   day, run id and each published segment's publication id.
5. `fail_on_rejected_segments`: fails, with an alert, if any segment failed its
   gate or its publication (what passed is already live and announced).

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

        from sehat.release import GateFailed
        from sehat.release.exports import validate_export as validate

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

    @task
    def publish_segment(validated: dict) -> dict:
        """Promote the validated candidate (atomic pointer swap)."""
        from sehat.release.exports import publish_export as publish

        publication = as_plain(publish(validated["segment"], validated["run_id"]))
        return {**validated, "publication": publication}

    @task
    def validate_segments(published: dict) -> dict:
        """Gate every other declared segment independently; stage the ones that pass."""
        from datetime import date

        from sehat.release.exports import other_segments, validate_many

        gate = validate_many(other_segments(), date.fromisoformat(published["day"]), published["run_id"])
        return {"day": published["day"], "run_id": published["run_id"], **gate}

    @task(outlets=[PUBLISHED])
    def publish_segments(validated: dict, first: dict) -> dict:
        """Publish what passed, then announce the day's publications in one asset event."""
        from sehat.release.exports import publish_many

        result = publish_many(validated["passed"], validated["run_id"])
        published = {first["segment"]: first["publication"]["publication_id"], **result["published"]}
        failed = {**validated["failed"], **result["failed"]}
        get_current_context()["outlet_events"][PUBLISHED].extra = {
            "day": validated["day"],
            "run_id": validated["run_id"],
            "published": published,
            "not_published": sorted(failed),
        }
        return {"published": published, "failed": failed}

    @task
    def fail_on_rejected_segments(result: dict) -> None:
        """Fail with an alert if any segment failed its gate or its publication."""
        from airflow.sdk.exceptions import AirflowFailException

        if result["failed"]:
            raise AirflowFailException(
                f"published {sorted(result['published'])}; not published: "
                + "; ".join(f"{k}: {v}" for k, v in sorted(result["failed"].items()))
            )

    first = publish_segment(validate_segment())
    fail_on_rejected_segments(publish_segments(validate_segments(first), first))


sehat_publish()
