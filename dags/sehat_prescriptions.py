"""
### sehat_prescriptions: retrain the prescription recommender daily

Scheduled by the asset `sehat://warehouse/marts` (emitted by `sehat_transform`).

1. `train_and_evaluate`: exports the prescriptions from the read-only snapshot,
   evaluates on a time split (Accuracy@8 one/all per field vs popularity and,
   when the generator's truth is present, the best achievable; report with table
   and plot in the run's work directory), then fits on everything.
2. `gate_and_publish`: the release gate (`sehat.release.prescriptions`): sanity
   checks on the artifact, no PII in its vocabularies, and Accuracy@8 "one" per
   field not worse than the live model beyond `tolerance` points; only then the
   versioned artifact (model, metrics, data snapshot) is published to
   `$SEHAT_PUBLISH_DIR/models/prescriptions/` with an atomic `CURRENT` swap.
   A failed gate fails the task **without retries** and keeps the previous model live.

Both tasks only read the snapshot, so neither needs the writer pool.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task
from sehat_airflow.common import MARTS, START_DATE, default_args


@dag(
    dag_id="sehat_prescriptions",
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["sehat", "ml", "prescriptions"],
    doc_md=__doc__,
    params={
        "tolerance": Param(2.0, type="number", description="Accuracy@8 points a field may lose vs the live model"),
        "test_days": Param(14, type="integer", minimum=1, description="latest days held out for evaluation"),
    },
)
def sehat_prescriptions():
    @task
    def train_and_evaluate() -> dict:
        """Export the snapshot, evaluate on a time split, fit on everything."""
        from ml.prescriptions.job import daily_work_dir
        from ml.prescriptions.job import train_and_evaluate as run

        context = get_current_context()
        candidate = run(daily_work_dir(context["run_id"]), test_days=int(context["params"]["test_days"]))
        return {k: candidate[k] for k in ("work", "model", "metrics", "snapshot")}

    @task
    def gate_and_publish(candidate: dict) -> dict:
        """Quality gate; a failure fails now (no retry) and the previous model stays live."""
        from airflow.sdk.exceptions import AirflowFailException

        from sehat.release import GateFailed
        from sehat.release.prescriptions import gate_and_publish as run

        context = get_current_context()
        try:
            return run(candidate, context["run_id"], tolerance=float(context["params"]["tolerance"]))
        except GateFailed as exc:
            raise AirflowFailException(str(exc)) from exc

    gate_and_publish(train_and_evaluate())


sehat_prescriptions()
