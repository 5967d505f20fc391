"""``sehat_prescriptions`` end to end through ``airflow dags test`` on a small generated snapshot.

The snapshot holds what the DAG reads, in the warehouse's own tables: ``marts.fct_prescriptions``
(2,000 prescriptions from the generator's prescription model, ``sehat.bench.synth``, over 90
days so the 14-day time split has a past) and ``staging.stg_production__medicines`` (the catalogue),
with the generator's truth files beside it for the best achievable. Building that mart from CleverTap
and production data through dbt is tested in ``tests/dbt/test_prescription_marts.py``; here the
subject is the DAG: train + evaluate, gate, versioned publish, and a failed gate that keeps the
previous model live.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from sehat.bench.synth import synthesise
from sehat.orchestrate import run_day_dags_test
from sehat.release import prescriptions as release
from sehat.release.store import sha256_file
from sehat.warehouse import refresh_reader
from tests.dags.conftest import test_env

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(600)]

DAG = "sehat_prescriptions"
PRESCRIPTIONS = 2000


def _small_snapshot(cfg) -> None:
    """Generated prescriptions as ``marts.fct_prescriptions`` in the read-only snapshot."""
    synth = synthesise(cfg.data_dir, n=PRESCRIPTIONS, customers=800, days=90, seed=5)  # truth -> data_dir/truth
    cfg.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(cfg.warehouse_path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE SCHEMA staging")
        con.execute(f"CREATE TABLE marts.fct_prescriptions AS SELECT * FROM read_parquet('{synth['prescriptions']}')")
        con.execute("CREATE TABLE staging.stg_production__medicines AS "
                    f"SELECT name, brand, molecules, NULL::VARCHAR AS composition"  # staging always has it
                    f" FROM read_parquet('{synth['catalogue']}')")
    refresh_reader(cfg)


def _version_dirs(cfg) -> list[str]:
    return sorted(p.name for p in release.release(cfg).root.iterdir() if p.is_dir())


def test_retrains_publishes_and_a_failed_gate_keeps_the_live_model(home):
    _small_snapshot(home)
    env = test_env(home)

    first = run_day_dags_test("2026-05-01", env=env, dag_ids=[DAG])
    assert first.ok, first.failure_report()
    live = release.current(home)
    assert live is not None, "the first retraining publishes (no live model to compare with)"
    version_dir = Path(live["path"])
    assert live["gate"]["passed"] and live["gate"]["live_version"] is None
    assert live["data_snapshot"]["source"] == "marts.fct_prescriptions"
    assert live["data_snapshot"]["rows"] == PRESCRIPTIONS
    fields = live["metrics"]["fields"]
    assert set(fields) == set(release.FIELDS)
    for f, row in fields.items():  # model, popularity baseline and best achievable, per field
        assert row["model_one"] > row["popularity_one"] - 5, (f, row)
        assert row["best_achievable_one"] is not None, (f, row)
    assert json.loads((version_dir / "metrics.json").read_text())["fields"] == fields
    assert live["files"]["model.pkl"]["sha256"] == sha256_file(version_dir / "model.pkl")
    model = release.load(version_dir / "model.pkl")
    assert model.weights_ and len(model.vocab_["diagnosis"]) > 0

    # Force the gate to fail: the live model now claims a perfect score on every field, so any real
    # candidate is worse beyond the tolerance (2 points).
    manifest = json.loads((version_dir / "manifest.json").read_text())
    for row in manifest["metrics"]["fields"].values():
        row["model_one"] = 100.0
    (version_dir / "manifest.json").write_text(json.dumps(manifest))

    second = run_day_dags_test("2026-05-02", env=env, dag_ids=[DAG])
    assert second.states == {DAG: "failed"}
    assert release.current(home)["version"] == live["version"]  # the previous model stays live
    assert _version_dirs(home) == [live["version"]]  # nothing else published, no staging left behind
    gates = [json.loads(p.read_text()) for p in (home.home / "ml" / "prescriptions" / "runs").glob("*/gate.json")]
    assert sorted(g["passed"] for g in gates) == [False, True]
    (gate,) = [g for g in gates if not g["passed"]]
    assert gate["live_version"] == live["version"]
    assert any(not c["success"] and c["expectation"] == "one_at_k_not_worse_than_live" for c in gate["checks"])
    assert Path(gate["data_docs"]).exists()  # the failed gate's results, readable by a person
    assert "gate failed" in second.logs[DAG].read_text()
