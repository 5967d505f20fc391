"""The prescription model's daily job: export the training data, evaluate, fit, save a candidate.

Reads the read-only snapshot (``sehat.warehouse.reader``): ``marts.fct_prescriptions``
when the prescription mart is built, else the staging models directly. The candidate it
returns is gated and published by the release path (``sehat.release.prescriptions``).
"""

from __future__ import annotations

import json
import os
import pickle
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
CATALOGUE = "SELECT name, brand, molecules, composition FROM staging.stg_production__medicines"


def save(model, path: Path) -> Path:
    """Pickle ``model`` to ``path`` (written under a temporary name, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return path


def load(path: Path):
    """The model :func:`save` wrote to ``path``."""
    with Path(path).open("rb") as f:
        return pickle.load(f)


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
        has_rules = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'seeds' "
                                "AND table_name = 'doctor_input_rules'").fetchone()[0] > 0
        if has_rules:  # the dbt seed as loaded into the warehouse; the model carries the rules it was fitted with
            con.execute(f"COPY (SELECT * FROM seeds.doctor_input_rules) TO '{work / 'rules.parquet'}' (FORMAT parquet)")
        rows, first, last = con.execute(
            f"SELECT count(*), min(prescribed_at), max(prescribed_at) FROM ({query})").fetchone()
    return {"source": "marts.fct_prescriptions" if has_mart else "staging", "rows": rows, "first": str(first),
            "last": str(last), "snapshot": str(cfg.reader_path), "snapshot_mtime": datetime.fromtimestamp(
                cfg.reader_path.stat().st_mtime, UTC).isoformat(timespec="seconds"),
            "prescriptions": str(work / "prescriptions.parquet"), "catalogue": str(work / "catalogue.parquet"),
            "rules": str(work / "rules.parquet") if has_rules else None}


def train_and_evaluate(work: Path, cfg: Settings | None = None, test_days: int = 14) -> dict:
    """Evaluate on a time split (report in ``work/report``), then fit on everything; returns a candidate."""
    from ml.prescriptions.data import prepare
    from ml.prescriptions.evaluate import evaluate, write_report
    from ml.prescriptions.model import PrescriptionRecommender

    cfg = cfg or settings()
    snap = export_snapshot(work, cfg)
    truth = cfg.truth_dir if (cfg.truth_dir / "customers.parquet").exists() else None
    metrics = evaluate(snap["prescriptions"], test_days=test_days, catalogue=snap["catalogue"], truth_dir=truth)
    write_report(metrics, work / "report")
    with prepare(snap["prescriptions"], snap["catalogue"], snap.get("rules")) as tables:
        model = PrescriptionRecommender().fit(tables)
    save(model, work / "model.pkl")
    (work / "snapshot.json").write_text(json.dumps(snap, indent=2))
    return {"work": str(work), "model": str(work / "model.pkl"), "metrics": metrics, "snapshot": snap}


def daily_work_dir(run_id: str, cfg: Settings | None = None) -> Path:
    cfg = cfg or settings()
    return cfg.home / "ml" / "prescriptions" / "runs" / "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
