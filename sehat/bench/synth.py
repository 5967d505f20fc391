"""Synthesise prescriptions in the recommender's input format straight from the generator's prescription model.

For benchmarks that need more prescriptions than a warehouse sample holds (1M
for the training target): the same ``sehat.generate.prescriptions.prescribe``
with the same doctors (brand preferences) and customers (age, gender, chronic
diagnosis), without simulating app activity. Writes ``prescriptions.parquet``
plus the truth files the oracle reads (``truth/doctor_brand_preferences.parquet``,
``truth/customers.parquet``, ``truth/diagnosis_tendencies.parquet``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def synthesise(out_dir: Path, n: int = 100_000, customers: int = 20_000, days: int = 365, seed: int = 11,
               start: date = date(2026, 1, 1), progress=None) -> dict:
    from sehat.generate.clinical import MEDICINES
    from sehat.generate.config import GenerateConfig, rng
    from sehat.generate.prescriptions import prescribe
    from sehat.generate.world import build_customers, build_doctors

    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    cfg = GenerateConfig(customers=customers, days=days, start=start, seed=seed, data_dir=out_dir)
    cust, docs = build_customers(cfg), build_doctors(cfg)
    r = rng(seed, "synth-prescriptions")
    patient = r.integers(0, len(cust), n)
    doctor = r.integers(0, len(docs), n)
    offsets = np.sort(r.integers(0, days * 86400, n))
    cols: dict[str, list] = {k: [] for k in ("prescription_id", "doctor_id", "patient_id", "prescribed_at",
                                             "speciality", "patient_age", "patient_gender", "complaints", "diagnoses",
                                             "medicines", "lab_tests", "advice", "notes")}
    t0 = datetime(start.year, start.month, start.day)
    for i in range(n):
        c, d = int(patient[i]), int(doctor[i])
        when = t0 + timedelta(seconds=int(offsets[i]))
        rx = prescribe(r, d, docs, int(cust.age[c]), str(cust.gender[c]), str(cust.chronic_dx[c]), when.date())
        cols["prescription_id"].append(i + 1)
        cols["doctor_id"].append(int(docs.doctor_id[d]))
        cols["patient_id"].append(int(cust.user_id[c]))
        cols["prescribed_at"].append(when)
        cols["speciality"].append(str(docs.speciality[d]))
        cols["patient_age"].append(int(cust.age[c]))
        cols["patient_gender"].append(str(cust.gender[c]))
        cols["complaints"].append(rx.complaints)
        cols["diagnoses"].append(rx.diagnoses)
        cols["medicines"].append([MEDICINES[m].name for m in rx.medicines])
        cols["lab_tests"].append(rx.lab_tests)
        cols["advice"].append(rx.advice)
        cols["notes"].append(rx.notes or None)
        if progress and i % 50_000 == 0:
            progress(i, n)
    path = out_dir / "prescriptions.parquet"
    pq.write_table(pa.table(cols), path)
    pq.write_table(pa.table({"user_id": cust.user_id, "chronic_dx": [x or None for x in cust.chronic_dx]}),
                   out_dir / "truth" / "customers.parquet")
    rows = [(int(doc), m, b, float(p)) for doc, prefs in zip(docs.doctor_id, docs.brand_pref)
            for m, (brands, probs) in prefs.items() for b, p in zip(brands, probs)]
    pq.write_table(pa.table({"doctor_id": [x[0] for x in rows], "molecule": [x[1] for x in rows],
                             "brand": [x[2] for x in rows], "probability": [x[3] for x in rows]}),
                   out_dir / "truth" / "doctor_brand_preferences.parquet")
    from sehat.generate.truth import diagnosis_tendencies_table

    pq.write_table(diagnosis_tendencies_table(), out_dir / "truth" / "diagnosis_tendencies.parquet")
    catalogue = out_dir / "catalogue.parquet"
    pq.write_table(pa.table({"name": [m.name for m in MEDICINES], "brand": [m.brand for m in MEDICINES],
                             "molecules": [[m.molecule_key] for m in MEDICINES]}), catalogue)
    return {"prescriptions": path, "catalogue": catalogue, "truth_dir": out_dir / "truth", "doctors": len(docs)}
