"""The main route: two days through the real scheduler, api-server, dag-processor and triggerer
(ingest triggered per day, transform and publish by Assets), with the metadata database on the real
PostgreSQL; then the personalisation retrain on that warehouse through ``airflow dags test``.

The run also goes through a slow API: every status read is delayed and every third one times out,
and the client retries them with backoff (before, the first ReadTimeout ended `sehat run` half-way):
one two-day world proves both, instead of a second scheduler run of its own.

The failing gate inside Airflow has its own file (``test_gate_failure_dag.py``), so ``--dist
loadfile`` spreads the Airflow runs over the workers.
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


class _FlakyTransport:
    """An httpx transport that delays every status read and times out every third one."""

    def __init__(self, delay: float = 0.5, every: int = 3):
        import httpx

        self.inner = httpx.HTTPTransport()
        self.delay, self.every, self.reads, self.timeouts = delay, every, 0, 0

    def handle_request(self, request):
        import time

        import httpx

        if request.method == "GET" and "/dagRuns" in request.url.path:
            self.reads += 1
            time.sleep(self.delay)
            if self.reads % self.every == 0:
                self.timeouts += 1
                raise httpx.ReadTimeout("injected: the API did not answer in time", request=request)
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


@pytest.mark.postgres
def test_two_days_through_the_scheduler(home, airflow_database, monkeypatch):
    """The main route: real components, ingest triggered per day, transform/publish by Assets, while
    the API answers slowly and times out every third status read.

    With the metadata database on the real PostgreSQL, as docker-compose.yml deploys it (the
    LocalExecutor; the demo's SQLite route runs in tests/deploy/test_standalone.py).
    """
    metadata_db = "postgresql+psycopg2" + airflow_database[1].removeprefix("postgresql")
    monkeypatch.setenv("SEHAT_AIRFLOW_DB_URL", metadata_db)
    from sehat.orchestrate import ApiClient

    summary = _generate(home, days=2)
    transport = _FlakyTransport()

    def slow_client(base_url):
        return ApiClient(base_url, retry_for=120, max_wait=4, transport=transport)

    result = run_through_scheduler(["2026-11-02", "2026-11-01"], timeout=900, cfg=home, retries=0,
                                   api_factory=slow_client)
    assert transport.timeouts >= 3, transport.reads  # the slow API was retried, and the run completed
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
