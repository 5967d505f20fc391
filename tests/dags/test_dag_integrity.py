"""Every DAG file loads, is wired as designed and parses fast.

DagBag runs in a subprocess (``dagbag_report.py``) with an environment built
here from scratch (``sehat.orchestrate.airflow_env`` on a temporary
SEHAT_HOME): nothing depends on the shell's AIRFLOW_* variables and the test
process never imports Airflow.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from itertools import pairwise
from pathlib import Path

import pytest

from sehat.config import REPO_ROOT
from tests.dags.conftest import settings_for, test_env

pytestmark = pytest.mark.airflow

DAGS = REPO_ROOT / "dags"
# Convention: one DAG per file, its dag_id is the file name.
EXPECTED = {p.stem for p in DAGS.glob("*.py") if not p.name.startswith("_")}
CORE = {"sehat_ingest", "sehat_transform", "sehat_publish"}
# Every task that writes the DuckDB file must hold the single writer slot.
WRITER_TASKS = {
    "sehat_ingest": {"ingest_clevertap", "extract_production", "load_labels", "erase_deleted_users"},
    "sehat_transform": {"dbt_build", "refresh_reader"},
    "sehat_personalisation": {
        "train_cohorts", "train_recommendations", "rank_content", "analyse_experiments", "refresh_snapshot",
    },
}


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """The Airflow environment of a fresh local deployment, independent of the shell's."""
    return test_env(settings_for(tmp_path_factory.mktemp("sehat_home")), retries=None)


def _python(code_or_script: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, *code_or_script],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc.stdout


@pytest.fixture(scope="module")
def report(env) -> dict:
    out = _python([str(Path(__file__).with_name("dagbag_report.py")), str(DAGS)], env)
    line = next(line for line in out.splitlines() if line.startswith("DAGBAG_REPORT "))
    report = json.loads(line.removeprefix("DAGBAG_REPORT "))
    print(
        f"\nDAG parse: {report['dagbag_seconds']:.3f}s for {len(report['files'])} files "
        f"(per file: {report['per_file_seconds']}); importing Airflow itself: {report['airflow_import_seconds']:.2f}s"
    )
    return report


def test_no_import_errors_and_every_file_holds_a_dag(report):
    assert report["import_errors"] == {}
    assert set(report["dags"]) == EXPECTED
    assert CORE <= EXPECTED
    assert {Path(d["fileloc"]).name for d in report["dags"].values()} == {
        Path(f).name for f in report["files"]
    }


def test_parse_is_fast_and_light(report):
    # Generous bound: the DAG processor re-parses these files constantly.
    assert report["dagbag_seconds"] < 5, report["per_file_seconds"]
    # Wiring only: domain code and heavy libraries are imported inside task bodies.
    assert report["heavy_modules_loaded"] == []


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_dag_conventions(report, dag_id):
    dag = report["dags"][dag_id]
    assert dag["tags"] and "sehat" in dag["tags"]
    assert len(dag["doc_md"].strip()) > 200, "the module docstring is the DAG's doc_md"
    assert dag["max_active_runs"] == 1
    assert dag["catchup"] is False
    for task_id, task in dag["tasks"].items():
        assert task["owner"] == "sehat-data", task_id
        assert task["retries"] >= 1, task_id
        assert task["retry_exponential_backoff"] > 0, task_id
        assert task["retry_delay_seconds"] > 0, task_id
        assert "record_failure" in task["on_failure_callback"], task_id
    for task_id in WRITER_TASKS.get(dag_id, ()):
        assert dag["tasks"][task_id]["pool"] == "duckdb_writer", task_id
        # the cluster policy (plugins/airflow_local_settings.py) routes writers to their Celery queue
        assert dag["tasks"][task_id]["queue"] == "duckdb_writer", task_id


def test_asset_chain(report):
    dags = report["dags"]

    def outlets(dag_id):
        return [uri for task in dags[dag_id]["tasks"].values() for uri in task["outlets"]]

    # Each DAG emits its asset from exactly one task (one event per run, one downstream run).
    assert outlets("sehat_ingest") == ["sehat://warehouse/raw"]
    assert outlets("sehat_transform") == ["sehat://warehouse/marts"]
    assert outlets("sehat_publish") == ["sehat://published/segments"]
    assert "CronDataIntervalTimetable" in dags["sehat_ingest"]["schedule"]
    assert "sehat://warehouse/raw" in dags["sehat_transform"]["schedule"]
    assert "sehat://warehouse/marts" in dags["sehat_publish"]["schedule"]
    # The raw event is announced by the erasure, after every load succeeded.
    assert dags["sehat_ingest"]["tasks"]["erase_deleted_users"]["upstream"] == sorted(
        WRITER_TASKS["sehat_ingest"] - {"erase_deleted_users"})
    assert dags["sehat_ingest"]["tasks"]["erase_deleted_users"]["outlets"] == ["sehat://warehouse/raw"]
    # The published asset is announced once, after every segment of the day was gated and published.
    assert dags["sehat_publish"]["tasks"]["publish_segments"]["upstream"] == ["validate_segments"]
    assert dags["sehat_publish"]["tasks"]["publish_segments"]["outlets"] == ["sehat://published/segments"]


def steps_out_of_order(tasks: dict, steps: list[str]) -> list[tuple[str, str]]:
    """Pairs (step, later step it waits for): empty when ``steps`` is a topological order of the DAG."""

    def ancestors(task_id: str) -> set[str]:
        seen, todo = set(), list(tasks[task_id]["upstream"])
        while todo:
            t = todo.pop()
            if t not in seen:
                seen.add(t)
                todo.extend(tasks[t]["upstream"])
        return seen

    return [(name, later) for i, name in enumerate(steps) for later in steps[i + 1:] if later in ancestors(name)]


def test_the_daily_dags_run_the_steps_of_sehat_daily_in_its_order(report):
    """One definition of the day: every task of the daily DAGs is a step of sehat.daily.STEPS (its body
    calls ``run_step`` with its own task id, checked in test_every_daily_task_body_calls_its_step), in the
    order of STEPS, with the writer pool exactly on the steps that write; the in-process runner runs
    the same list."""
    from sehat.daily import DAG_IDS, STEPS

    assert set(DAG_IDS) == CORE
    for dag_id in DAG_IDS:
        tasks = report["dags"][dag_id]["tasks"]
        steps = [s.name for s in STEPS if s.dag_id == dag_id]
        assert set(tasks) == set(steps), dag_id  # every task is a step: no Airflow-only bookkeeping task
        assert steps_out_of_order(tasks, steps) == [], dag_id
        writers = {s.name for s in STEPS if s.dag_id == dag_id and s.writes_warehouse}
        assert {t for t in steps if tasks[t]["pool"] == "duckdb_writer"} == writers, dag_id
    # the Assets chain the DAGs in DAG_IDS' order
    produced = {dag_id: {u for t in report["dags"][dag_id]["tasks"].values() for u in t["outlets"]}
                for dag_id in DAG_IDS}
    for before, after in pairwise(DAG_IDS):
        assert any(uri in report["dags"][after]["schedule"] for uri in produced[before]), (before, after)


def test_every_daily_task_body_calls_its_step():
    """The body of each daily task is ``run_step("<its own task id>", ...)``: no task re-implements a step."""
    import ast

    from sehat.daily import DAG_IDS, STEPS

    for dag_id in DAG_IDS:
        tree = ast.parse((DAGS / f"{dag_id}.py").read_text())
        tasks = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                 and any("task" in ast.unparse(d) for d in f.decorator_list)}
        assert set(tasks) == {s.name for s in STEPS if s.dag_id == dag_id}, dag_id
        for name, fn in tasks.items():
            calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call) and ast.unparse(c.func) == "run_step"]
            assert [ast.literal_eval(c.args[0]) for c in calls] == [name], (dag_id, name)
            imports = [n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
            assert imports == [], f"{dag_id}.{name} imports domain code: it must only call run_step"


def test_the_in_process_runner_runs_every_step_in_order(monkeypatch):
    from datetime import date

    from sehat import daily

    ran = []
    fake = tuple(daily.Step(s.name, s.dag_id, lambda day, cfg, ctx, n=s.name: ran.append(n) or n,
                            s.writes_warehouse, s.every_day) for s in daily.STEPS)
    monkeypatch.setattr(daily, "STEPS", fake)
    out = daily.run_day(date(2026, 11, 1), cfg=object(), log=lambda _line: None)
    assert ran == [s.name for s in fake] == list(out["seconds"])


def test_the_order_check_finds_a_step_listed_before_what_it_waits_for():
    tasks = {"a": {"upstream": []}, "b": {"upstream": ["a"]}, "c": {"upstream": ["b"]}}
    assert steps_out_of_order(tasks, ["a", "b", "c"]) == []
    assert steps_out_of_order(tasks, ["c", "a", "b"]) == [("c", "a"), ("c", "b")]


def test_day_rule_and_failure_alert(env, tmp_path):
    """The day a run is about, and the alert line written when a task fails."""
    code = textwrap.dedent(
        """
        import json, os
        from datetime import datetime, timezone
        from types import SimpleNamespace as NS
        from sehat_airflow.common import RAW, days_from_extras, resolve_days
        from sehat_airflow.callbacks import alerts_path, record_failure

        events = {RAW: [NS(extra={"day": "2025-11-03"}), NS(extra={"day": "2025-11-02", "days": ["2025-11-01"]}),
                        NS(extra={})]}
        assert resolve_days({"triggering_asset_events": events}, RAW) == ["2025-11-01", "2025-11-02", "2025-11-03"]
        # no events (airflow dags test, manual run): conf, then logical date
        assert resolve_days({"triggering_asset_events": {}, "dag_run": NS(conf={"day": "2025-11-05"})},
                            RAW) == ["2025-11-05"]
        assert resolve_days({"params": {"day": None}, "dag_run": NS(conf={}),
                             "logical_date": datetime(2025, 11, 6, tzinfo=timezone.utc)}) == ["2025-11-06"]
        try:
            resolve_days({"dag_run": NS(conf={}), "logical_date": None})
            raise SystemExit("expected ValueError")
        except ValueError:
            pass
        assert days_from_extras([None, {"day": "2025-11-01T00:00:00+00:00"}]) == ["2025-11-01"]

        ti = NS(dag_id="sehat_publish", task_id="validate_segment", run_id="r1", try_number=1, max_tries=0)
        record_failure({"ti": ti, "exception": RuntimeError("quality gate failed")})
        record_failure({"ti": ti, "exception": RuntimeError("again")})
        lines = alerts_path().read_text().splitlines()
        print("ALERTS", json.dumps([json.loads(l) for l in lines]))
        """
    )
    out = _python(["-c", code], {**env, "SEHAT_HOME": str(tmp_path)})
    alerts = json.loads(
        next(l for l in out.splitlines() if l.startswith("ALERTS ")).removeprefix("ALERTS ")
    )
    assert (tmp_path / "alerts" / "alerts.jsonl").exists()
    assert [a["exception"] for a in alerts] == [
        "RuntimeError: quality gate failed",
        "RuntimeError: again",
    ]
    assert set(alerts[0]) >= {"dag", "task", "run", "try", "exception", "time"}
    assert (
        alerts[0]["dag"] == "sehat_publish"
        and alerts[0]["task"] == "validate_segment"
        and alerts[0]["try"] == 1
    )
