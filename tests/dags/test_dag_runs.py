"""The three DAGs really run, chained by their Assets, with stand-in domain functions.

The domain functions (ingest, dbt, gate, publish) are replaced by a tiny stub
package that records each call, so these tests prove the Airflow wiring alone:
the day each task receives, the single writer slot, the asset chain, the
no-retry gate failure and its alert. The end-to-end test on generated data
calls the same ``sehat.orchestrate`` functions without the stub.
"""

from __future__ import annotations

import json
import os
import textwrap
from itertools import pairwise
from pathlib import Path

import pytest

from sehat.config import REPO_ROOT, settings
from sehat.orchestrate import airflow_env, run_day_dags_test, run_through_scheduler

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(600)]

STUB = {
    "sehat/__init__.py": "",
    "sehat/config.py": (REPO_ROOT / "sehat" / "config.py").read_text(),
    "sehat/_calls.py": """
        import json, os, time
        from pathlib import Path

        def record(step, **kw):
            path = Path(os.environ["SEHAT_HOME"]) / "calls.jsonl"
            start = time.time()
            time.sleep(0.3)  # long enough for overlapping writers to show
            with path.open("a") as f:
                f.write(json.dumps({"step": step, "start": start, "end": time.time(),
                                    **{k: str(v) for k, v in kw.items()}}) + "\\n")

        class Report:
            def __init__(self, **kw): self.kw = kw
            def as_dict(self): return self.kw
        """,
    "sehat/ingest/__init__.py": "",
    "sehat/ingest/clevertap.py": """
        from sehat._calls import Report, record
        def ingest_day(day):
            record("ingest_clevertap", day=day.isoformat())
            return Report(source="clevertap", loaded=1)
        """,
    "sehat/ingest/production.py": """
        from sehat._calls import Report, record
        def extract_day(day):
            record("extract_production", day=day.isoformat())
            return [Report(source="prod_users", loaded=1)]
        """,
    "sehat/transform.py": """
        from sehat._calls import Report, record
        def dbt_build(select=None, vars=None):
            record("dbt_build", day=vars["as_of_date"])
            return Report(success=True)
        """,
    "sehat/warehouse.py": """
        from pathlib import Path
        from sehat._calls import record
        def refresh_reader():
            record("refresh_reader")
            return Path("/nonexistent/sehat_read.duckdb")
        """,
    "sehat/gate.py": """
        import os
        from sehat._calls import Report, record
        class GateFailed(RuntimeError):
            pass
        def validate_segment(name, as_of, run_id):
            record("validate_segment", day=as_of.isoformat(), segment=name, run_id=run_id)
            if os.environ.get("STUB_GATE_FAILS"):
                raise GateFailed("expect_table_row_count_to_be_between: 0 rows")
            return Report(passed=True)
        """,
    "sehat/publish.py": """
        from sehat._calls import record
        def publish_segment(name, run_id):
            record("publish_segment", segment=name, run_id=run_id)
            return {"segment": name, "run_id": run_id}
        """,
}


@pytest.fixture
def stub_home(tmp_path) -> tuple:
    """(Settings on a fresh SEHAT_HOME, env overrides putting the stub package first)."""
    stub = tmp_path / "stub"
    for rel, text in STUB.items():
        path = stub / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    with pytest.MonkeyPatch.context() as mp:
        for name in [k for k in os.environ if k.startswith("SEHAT_")]:
            mp.delenv(name)
        mp.setenv("SEHAT_HOME", str(tmp_path / "home"))
        cfg = settings()
    overrides = {"PYTHONPATH": os.pathsep.join([str(stub), str(REPO_ROOT / "plugins")])}
    return cfg, overrides


def _calls(cfg) -> list[dict]:
    path = cfg.home / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _assert_one_writer_at_a_time(calls):
    writers = sorted(
        (
            c
            for c in calls
            if c["step"]
            in {"ingest_clevertap", "extract_production", "dbt_build", "refresh_reader"}
        ),
        key=lambda c: c["start"],
    )
    for before, after in pairwise(writers):
        assert before["end"] <= after["start"], f"{before['step']} overlapped {after['step']}"


def test_one_day_with_airflow_dags_test(stub_home):
    cfg, overrides = stub_home
    env = airflow_env(
        cfg,
        retries=0,
        base_env={k: v for k, v in os.environ.items() if not k.startswith("SEHAT_")},
        overrides=overrides,
    )
    result = run_day_dags_test("2025-11-03", env=env)
    assert result.ok, result.failure_report()
    assert list(result.states) == ["sehat_ingest", "sehat_transform", "sehat_publish"]
    calls = _calls(cfg)
    assert {c["step"] for c in calls[:2]} == {"ingest_clevertap", "extract_production"}
    assert [c["step"] for c in calls[2:]] == [
        "dbt_build",
        "refresh_reader",
        "validate_segment",
        "publish_segment",
    ]
    assert {c.get("day") for c in calls} - {None} == {"2025-11-03"}
    assert calls[-1]["run_id"] == calls[-2]["run_id"] and calls[-1]["run_id"].startswith("manual__")
    assert not (cfg.home / "alerts" / "alerts.jsonl").exists()


def test_gate_failure_stops_publishing_without_retry_and_alerts(stub_home):
    cfg, overrides = stub_home
    env = airflow_env(
        cfg,
        retries=2,
        base_env={k: v for k, v in os.environ.items() if not k.startswith("SEHAT_")},
        overrides={**overrides, "STUB_GATE_FAILS": "1"},
    )
    result = run_day_dags_test("2025-11-03", env=env, dag_ids=["sehat_publish"])
    assert result.states == {"sehat_publish": "failed"}
    assert [c["step"] for c in _calls(cfg)] == [
        "validate_segment"
    ]  # once: retries=2 not used, nothing published
    (alert,) = [
        json.loads(line) for line in (cfg.home / "alerts" / "alerts.jsonl").read_text().splitlines()
    ]
    assert (alert["dag"], alert["task"], alert["try"]) == ("sehat_publish", "validate_segment", 1)
    assert alert["exception"].startswith(
        "AirflowFailException: quality gate failed for consulted_no_order_30d as of 2025-11-03"
    )


def test_two_days_through_the_scheduler(stub_home):
    """The main route: real components, ingest triggered per day, transform/publish by Assets."""
    cfg, overrides = stub_home
    result = run_through_scheduler(
        ["2025-11-02", "2025-11-01"], timeout=300, cfg=cfg, retries=0, overrides=overrides
    )
    print(
        f"\nscheduler route: start-up {result.startup_seconds}s, total {result.seconds}s, states {result.states}"
    )
    assert result.ok, (result.failures, result.states)
    assert result.days == ["2025-11-01", "2025-11-02"]
    assert len(result.states["sehat_ingest"]) == 2
    assert all(state == "success" for runs in result.states.values() for state in runs.values())
    calls = _calls(cfg)
    _assert_one_writer_at_a_time(calls)
    ingested = [c["day"] for c in calls if c["step"] == "ingest_clevertap"]
    built = [c["day"] for c in calls if c["step"] == "dbt_build"]
    validated = [c["day"] for c in calls if c["step"] == "validate_segment"]
    assert ingested == ["2025-11-01", "2025-11-02"]  # in date order
    assert sorted(set(built)) == ["2025-11-01", "2025-11-02"] and built[-1] == "2025-11-02"
    assert validated[-1] == "2025-11-02"  # the latest day is published last
    assert [c["step"] for c in calls][-1] == "publish_segment"
    assert not (cfg.home / "alerts" / "alerts.jsonl").exists()
    assert Path(result.logs_dir, "airflow-scheduler.log").exists()
