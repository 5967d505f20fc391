"""`airflow standalone` started the documented way (sehat.orchestrate.standalone) listens on
127.0.0.1 only and works through the REST API: the Sehat DAGs are listed, a triggered
sehat_ingest run for a generated day succeeds."""

from __future__ import annotations

import time
from datetime import date

import pytest

from sehat.orchestrate import (
    DAG_IDS,
    ApiClient,
    free_port,
    standalone,
    standalone_env,
    wait_until_ready,
)

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(420)]
DAY = date(2026, 11, 1)


def test_standalone_on_loopback_lists_dags_and_runs_a_day(sehat_home):
    import psutil

    from sehat.generate import GenerateConfig, generate

    cfg = sehat_home
    generate(GenerateConfig(customers=30, days=1, start=DAY, seed=3, data_dir=cfg.data_dir))
    port = free_port()
    env = standalone_env(cfg, port=port, retries=0, ingest_schedule="manual")
    with standalone(cfg, port=port, env=env) as components:
        api = ApiClient(f"http://127.0.0.1:{port}")
        wait_until_ready(api, components, DAG_IDS, timeout=300)

        listening = {
            c.laddr.ip for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        }
        assert listening == {"127.0.0.1"}, f"the API listens on {listening}"

        dags = {d["dag_id"] for d in api.get("/dags", limit=100)["dags"]}
        assert set(DAG_IDS) <= dags
        api.unpause("sehat_ingest")
        run_id = api.trigger("sehat_ingest", DAY.isoformat())
        deadline, state = time.monotonic() + 240, "queued"
        while state not in ("success", "failed") and time.monotonic() < deadline:
            time.sleep(2)
            state = api.run_state("sehat_ingest", run_id)
        assert state == "success", (state, api.failed_tasks("sehat_ingest", run_id), components.tails())
