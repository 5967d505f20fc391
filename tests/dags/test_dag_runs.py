"""The main route: two days through the real scheduler, api-server, dag-processor and triggerer
(ingest triggered per day, transform and publish by Assets), with the metadata database on the real
PostgreSQL; then the personalisation retrain on that warehouse through ``airflow dags test``.

The other Airflow runs have their own files, so ``--dist loadfile`` spreads them over the workers:
``test_gate_failure_dag.py`` (a failing gate inside Airflow) and ``test_slow_api_run.py``.
"""

from __future__ import annotations

import pytest

from sehat.generate import GenerateConfig, generate
from sehat.orchestrate import run_day_dags_test, run_through_scheduler
from sehat.release.exports import current_publication
from sehat.warehouse import restricted_reader
from tests.dags.conftest import test_env

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(900)]

SEG = "consulted_no_order_30d"


def _generate(cfg, days):
    from datetime import date

    return generate(GenerateConfig(customers=800, days=days, start=date(2026, 11, 1), seed=11, data_dir=cfg.data_dir))


def _warehouse_facts(cfg):
    with restricted_reader(cfg) as con:
        return {
            "users": con.execute("SELECT count(*) FROM staging.stg_production__users").fetchone()[0],
            "customers_with_user": con.execute(
                "SELECT count(*) FROM marts.dim_customers WHERE user_id IS NOT NULL"
            ).fetchone()[0],
            "days_loaded": con.execute(
                "SELECT count(DISTINCT batch_date) FROM raw.load_log WHERE source = 'clevertap'"
            ).fetchone()[0],
            "reconciled": con.execute(
                "SELECT bool_and(read = loaded + quarantined) FROM raw.load_log"
            ).fetchone()[0],
        }


@pytest.mark.postgres
def test_two_days_through_the_scheduler(home, airflow_database, monkeypatch):
    """The main route: real components, ingest triggered per day, transform/publish by Assets.

    With the metadata database on the real PostgreSQL, as docker-compose.yml deploys it (the
    LocalExecutor; the demo's SQLite route runs in tests/deploy/test_standalone_api.py).
    """
    metadata_db = "postgresql+psycopg2" + airflow_database[1].removeprefix("postgresql")
    monkeypatch.setenv("SEHAT_AIRFLOW_DB_URL", metadata_db)
    summary = _generate(home, days=2)
    result = run_through_scheduler(["2026-11-02", "2026-11-01"], timeout=600, cfg=home, retries=0)
    print(f"\nscheduler route: start-up {result.startup_seconds}s, total {result.seconds}s, states {result.states}")
    assert result.ok, (result.failures, result.states)
    assert result.days == ["2026-11-01", "2026-11-02"]
    assert len(result.states["sehat_ingest"]) == 2
    assert all(state == "success" for runs in result.states.values() for state in runs.values())
    facts = _warehouse_facts(home)
    assert facts["days_loaded"] == 2 and facts["reconciled"]
    assert facts["users"] == summary["production"]["users"] == facts["customers_with_user"]
    assert current_publication(SEG, home)["as_of"] == "2026-11-02"  # the latest day is live
    assert not (home.home / "alerts" / "alerts.jsonl").exists()

    # On that warehouse, the personalisation retrain (paused in the demo) trains and publishes its
    # gated exports; its models and gates have their own tests, this is the DAG's wiring end to end.
    personalised = run_day_dags_test(
        "2026-11-02", env=test_env(home, db_url=metadata_db), dag_ids=["sehat_personalisation"]
    )
    assert personalised.ok, personalised.failure_report()
    for export in ("customer_top10", "content_per_segment", "customer_cohorts"):
        live = current_publication(export, home)
        assert live is not None and live["as_of"] == "2026-11-02", export
