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

Neither task writes the DuckDB file (they read the snapshot), so neither needs
the writer pool.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task
from sehat_airflow.common import (
    MARTS,
    PUBLISHED,
    SEGMENT,
    START_DATE,
    as_plain,
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
    params={
        "day": Param(
            None,
            type=["null", "string"],
            format="date",
            description="as_of day when not asset-triggered",
        )
    },
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

    publish_segment(validate_segment())


sehat_publish()
