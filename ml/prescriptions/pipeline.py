"""Daily retraining on the warehouse: export -> evaluate -> fit -> gate -> publish.

Reads the read-only snapshot (``sehat.warehouse.reader``): ``marts.fct_prescriptions``
when the prescription mart is built, else the staging models directly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sehat.config import Settings, settings
from sehat.warehouse import restricted_reader as reader  # reads staging: the restricted snapshot

FROM_MART = """SELECT prescription_id, doctor_id, patient_id, prescribed_at, speciality, patient_age, patient_gender,
                      complaints, diagnoses, medicines, lab_tests, advice, notes FROM marts.fct_prescriptions"""
FROM_STAGING = """
    SELECT p.prescription_id, p.doctor_id, p.user_id AS patient_id, p.prescribed_at, d.speciality,
           date_diff('year', u.birth_date, p.prescribed_at::DATE) AS patient_age, u.gender AS patient_gender,
           coalesce(p.complaints, []) AS complaints, coalesce(p.diagnoses, []) AS diagnoses,
           coalesce(p.medicines, []) AS medicines, coalesce(p.lab_tests, []) AS lab_tests,
           coalesce(p.advice, []) AS advice, p.notes
    FROM staging.stg_production__prescriptions p
    LEFT JOIN staging.stg_production__doctors d USING (doctor_id)
    LEFT JOIN staging.stg_production__users u USING (user_id)"""
CATALOGUE = "SELECT name, brand, molecules FROM staging.stg_production__medicines"


def export_snapshot(work: Path, cfg: Settings | None = None) -> dict:
    """Copy the training data out of the snapshot to Parquet; returns paths and a data fingerprint."""
    cfg = cfg or settings()
    work.mkdir(parents=True, exist_ok=True)
    with reader(cfg) as con:
        has_mart = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
                               "AND table_name = 'fct_prescriptions'").fetchone()[0] > 0
        query = FROM_MART if has_mart else FROM_STAGING
        con.execute(f"COPY ({query}) TO '{work / 'prescriptions.parquet'}' (FORMAT parquet)")
        con.execute(f"COPY ({CATALOGUE}) TO '{work / 'catalogue.parquet'}' (FORMAT parquet)")
        rows, first, last = con.execute(f"SELECT count(*), min(prescribed_at), max(prescribed_at) FROM ({query})").fetchone()
    return {"source": "marts.fct_prescriptions" if has_mart else "staging", "rows": rows, "first": str(first),
            "last": str(last), "snapshot": str(cfg.reader_path), "snapshot_mtime": datetime.fromtimestamp(
                cfg.reader_path.stat().st_mtime, UTC).isoformat(timespec="seconds"),
            "prescriptions": str(work / "prescriptions.parquet"), "catalogue": str(work / "catalogue.parquet")}


def train_and_evaluate(work: Path, cfg: Settings | None = None, test_days: int = 14) -> dict:
    """Evaluate on a time split (report in ``work/report``), then fit on everything; returns a candidate."""
    from ml.prescriptions import artifact
    from ml.prescriptions.evaluate import evaluate, write_report
    from ml.prescriptions.model import PrescriptionRecommender

    cfg = cfg or settings()
    snap = export_snapshot(work, cfg)
    truth = cfg.truth_dir if (cfg.truth_dir / "customers.parquet").exists() else None
    metrics = evaluate(snap["prescriptions"], test_days=test_days, catalogue=snap["catalogue"], truth_dir=truth)
    write_report(metrics, work / "report")
    model = PrescriptionRecommender(catalogue=snap["catalogue"]).fit(snap["prescriptions"])
    model.catalogue = None  # the path is scratch; the learned maps hold what is needed
    artifact.save(model, work / "model.pkl")
    (work / "snapshot.json").write_text(json.dumps(snap, indent=2))
    return {"work": str(work), "model": str(work / "model.pkl"), "metrics": metrics, "snapshot": snap}


def gate_and_publish(candidate: dict, cfg: Settings | None = None, tolerance: float = 2.0) -> dict:
    from ml.prescriptions import artifact

    model = artifact.load(Path(candidate["model"]))
    result = artifact.gate(model, candidate["metrics"], cfg, tolerance)
    (Path(candidate["work"]) / "gate.json").write_text(json.dumps(result, indent=2))
    manifest = artifact.publish(Path(candidate["model"]), candidate["metrics"], result, candidate["snapshot"], cfg)
    return {"version": manifest["version"], "gate": result}


def daily_work_dir(run_id: str, cfg: Settings | None = None) -> Path:
    cfg = cfg or settings()
    return cfg.home / "ml" / "prescriptions" / "runs" / "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)


def daily_retrain(cfg: Settings | None = None, tolerance: float = 2.0, test_days: int = 14,
                  run_id: str | None = None) -> dict:
    cfg = cfg or settings()
    stamp = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    work = daily_work_dir(stamp, cfg)
    return gate_and_publish(train_and_evaluate(work, cfg, test_days), cfg, tolerance)
