"""
### sehat_personalisation: cohorts, recommendations, content ranking, experiments

Scheduled by the asset `sehat://warehouse/marts` (emitted by `sehat_transform`),
beside `sehat_publish`. For the day of the triggering event:

1. `train_cohorts` (pool `duckdb_writer`): KMeans cohorts on behavioural
   features (k by silhouette) -> `ml.customer_cohorts`, `ml.cohort_profiles`;
   refreshes the snapshot.
2. `train_recommendations` (writer pool): FP-growth association rules,
   per-customer top-10 (co-purchase + own history), per-cohort products /
   specialities / lab tests, offline evaluation vs popularity -> `ml.*`.
3. `rank_content` (writer pool): Beta-Binomial posterior CTR, Thompson shares
   and eviction per segment -> `ml.content_rankings`.
4. `analyse_experiments` (writer pool): SRM, z and Welch tests ->
   `ml.experiment_tests` and a report with plots under `published/reports/`.
5. `refresh_snapshot` (writer pool) then `validate_exports` (the release gate,
   `sehat.release.exports`: Great Expectations, size bounds, PII scan, each
   export on its own) and `publish_exports` (file drop + campaign DB table,
   atomic), which announces `sehat://published/personalisation`.
"""

from __future__ import annotations

from airflow.sdk import Asset, Param, dag, get_current_context, task
from sehat_airflow.common import MARTS, POOL, START_DATE, as_plain, default_args, resolve_days

PERSONALISED = Asset(name="sehat_published_personalisation", uri="sehat://published/personalisation")
EXPORTS = ["customer_top10", "content_per_segment", "customer_cohorts"]


@dag(
    dag_id="sehat_personalisation",
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["sehat", "ml", "personalisation", "publish"],
    doc_md=__doc__,
    params={
        "day": Param(None, type=["null", "string"], format="date", description="as_of day when not asset-triggered")
    },
)
def sehat_personalisation():
    @task(pool=POOL)
    def train_cohorts() -> dict:
        from ml.personalisation.job import train_cohorts as train
        from sehat.warehouse import refresh_reader

        result = train()
        refresh_reader()
        return as_plain(result)

    @task(pool=POOL)
    def train_recommendations(_cohorts: dict) -> dict:
        from ml.personalisation.job import train_recommendations as train

        return as_plain(train())

    @task(pool=POOL)
    def rank_content(_previous: dict) -> dict:
        from ml.personalisation.job import rank_content as rank

        return as_plain(rank())

    @task(pool=POOL)
    def analyse_experiments(_previous: dict) -> dict:
        from ml.personalisation.job import analyse_experiments as analyse

        return as_plain(analyse())

    @task(pool=POOL)
    def refresh_snapshot(_previous: dict) -> str:
        from sehat.warehouse import refresh_reader

        return str(refresh_reader())

    @task
    def validate_exports(_snapshot: str) -> dict:
        from datetime import date

        from sehat.release.exports import validate_many

        context = get_current_context()
        day = resolve_days(context, MARTS)[-1]
        gate = validate_many(EXPORTS, date.fromisoformat(day), context["run_id"])
        return {"day": day, "run_id": context["run_id"], **gate}

    @task(outlets=[PERSONALISED])
    def publish_exports(validated: dict) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from sehat.release.exports import publish_many

        result = publish_many(validated["passed"], validated["run_id"])
        failed = {**validated["failed"], **result["failed"]}
        if failed:
            raise AirflowFailException("not published: " + "; ".join(f"{k}: {v}" for k, v in sorted(failed.items())))
        get_current_context()["outlet_events"][PERSONALISED].extra = {
            "day": validated["day"], "published": result["published"]}
        return result

    cohorts = train_cohorts()
    steps = analyse_experiments(rank_content(train_recommendations(cohorts)))
    publish_exports(validate_exports(refresh_snapshot(steps)))


sehat_personalisation()
