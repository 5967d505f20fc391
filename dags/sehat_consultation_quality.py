"""
### sehat_consultation_quality: retrain SAPE scoring, score every eligible consultation, gate, publish

Scheduled by the asset `sehat://warehouse/marts` (emitted by `sehat_transform`), so it runs on the
marts of the day just built (`marts.fct_consultation_sentences`, `marts.fct_consultation_features`, human
labels in `staging.stg_labels__*`).

1. `train_and_score` (reads the snapshot, no writer): retrains the qualitative SAPE scorer on the
   labelled consultations, measures it on a held-out part, scores every eligible consultation
   (each participant >= 5 messages) and stages model + scores as a candidate.
2. `quality_gate` (`sehat.release.sape`): Great Expectations on the scores, a PII scan, held-out
   accuracy floors. A failure fails the task **without retries**; nothing is published, yesterday's
   model and scores stay live.
3. `publish_model`: promotes model + scores (`$SEHAT_PUBLISH_DIR/models/sape/<version>`, atomic
   `CURRENT`).
4. `write_scores` (pool `duckdb_writer`): upserts the published scores into `ml.sape_scores`,
   rebuilds the dbt view `agg_doctor_consultation_quality` over it and refreshes the read-only snapshot.

Model card and the comparison with the quantitative approach: `docs/sape.md`.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task
from sehat_airflow.common import MARTS, POOL, START_DATE, default_args


@dag(
    dag_id="sehat_consultation_quality",
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["sehat", "ml", "sape", "quality-gate"],
    doc_md=__doc__,
)
def sehat_consultation_quality():
    @task
    def train_and_score() -> dict:
        """Retrain on the labels and score every eligible consultation into a candidate."""
        from sehat.release.sape import train_candidate

        return {**train_candidate(get_current_context()["run_id"]), "run_id": get_current_context()["run_id"]}

    @task
    def quality_gate(candidate: dict) -> dict:
        """GX on the scores + accuracy floors; failure -> nothing published (AirflowFailException: no retry)."""
        from airflow.sdk.exceptions import AirflowFailException

        from sehat.release import GateFailed
        from sehat.release.sape import validate_candidate

        try:
            return {**candidate, "gate": validate_candidate(candidate["run_id"])}
        except GateFailed as exc:
            raise AirflowFailException(str(exc)) from exc

    @task
    def publish_model(validated: dict) -> dict:
        """Promote the validated model (atomic CURRENT pointer)."""
        from sehat.release.sape import publish_candidate

        return {**validated, "published": publish_candidate(validated["run_id"])}

    @task(pool=POOL)
    def write_scores(published: dict) -> dict:
        """Single writer: upsert ml.sape_scores, rebuild the doctor view, refresh the snapshot."""
        from ml.sape.job import write_scores as write
        from sehat.release.sape import live_scores
        from sehat.transform.dbt import dbt_build
        from sehat.warehouse import refresh_reader

        written = write(live_scores(version=published["published"]["model_version"]))
        dbt_build(select="stg_ml__sape_scores agg_doctor_consultation_quality")
        refresh_reader()
        return {**published, "scores": written}

    write_scores(publish_model(quality_gate(train_and_score())))


sehat_consultation_quality()
