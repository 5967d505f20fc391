"""``suggest(model, prescription)``: any subset of fields in, the same structure out, top-n per field.

Input (every key optional)::

    {"doctor_id": 7, "patient_id": 42, "speciality": "general practitioner", "patient_age": 34, "patient_gender": "F",
     "prescribed_at": "2026-03-01", "complaints": ["fever since 2 days"], "diagnoses": ["J06.9"],
     "medicines": ["DOLO 650MG TAB 8's"], "lab_tests": [], "advice": [], "notes": "..."}

Output: ``{"complaints": [{"value", "display", "probability"}, ...], "diagnoses": [...],
"molecules": [...], "brands": [...], "medicines": [...], "lab_tests": [...], "advice": [...]}``,
never repeating what is already entered, doctor-input rules applied last.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

import numpy as np

from ml.prescriptions.data import age_band, normalise_vocab
from ml.prescriptions.features import Query
from ml.prescriptions.model import scatter
from sehat.enrich import diagnoses as icd
from sehat.enrich.complaints import normalise_complaint, note_tokens
from sehat.enrich.medicines import parse_medicine

OUTPUT_FIELDS = {"complaint": "complaints", "diagnosis": "diagnoses", "molecule": "molecules", "brand": "brands",
                 "medicine": "medicines", "lab_test": "lab_tests", "advice": "advice"}
RULES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "prescriptions" / "doctor_input_rules.csv"
RULES = ("always", "sometimes", "never")


def load_rules(path: Path | str | None = None) -> list[dict]:
    """Doctor input: rows of diagnosis_code, field (molecule/brand/medicine/lab_test/advice), value, rule."""
    p = Path(path) if path else RULES_SEED
    if not p.exists():
        return []
    with p.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f)]
    for r in rows:
        if r["rule"] not in RULES:
            raise ValueError(f"doctor input rule must be one of {RULES}, got {r['rule']!r}")
    return rows


def to_query(model, rx: Mapping) -> Query:
    """Raw prescription dict -> the model's normalised Query."""
    when = rx.get("prescribed_at")
    month = "?"
    if when:
        month = str((when if isinstance(when, (date, datetime)) else datetime.fromisoformat(str(when))).month)
    age = rx.get("patient_age")
    gender = rx.get("patient_gender") or "?"
    items: dict[str, list[str]] = {}

    def add(field: str, values: Iterable[str]) -> None:
        for v in values:
            if v and v not in items.setdefault(field, []):
                items[field].append(v)

    add("complaint", (normalise_complaint(c) for c in rx.get("complaints") or ()))
    add("diagnosis", (str(d).strip().upper() for d in rx.get("diagnoses") or ()))
    meds = [" ".join(str(m).split()) for m in rx.get("medicines") or ()]
    add("medicine", meds)
    for m in meds:
        brand = model.brand_of_.get(m) or parse_medicine(m).brand or m.upper()
        add("brand", [brand])
        add("molecule", [model.molecule_of_.get(m) or _molecule_of_brand(model, brand)])
    add("lab_test", (normalise_vocab(t) for t in rx.get("lab_tests") or ()))
    add("advice", (normalise_vocab(a) for a in rx.get("advice") or ()))
    return Query(doctor=str(rx.get("doctor_id", "?")), patient=str(rx.get("patient_id") or "?"), speciality=str(rx.get("speciality") or "?"),
                 agegender=f"{age_band(age)}:{gender}", month=month, items=items,
                 tokens=note_tokens(rx.get("notes")))


def _molecule_of_brand(model, brand: str) -> str:
    for raw, b in model.brand_of_.items():
        if b == brand:
            return model.molecule_of_[raw]
    return brand


def suggest(model, rx: Mapping, n: int = 10, rules: list[dict] | None = None) -> dict[str, list[dict]]:
    """Top-``n`` suggestions per field for the (partial) prescription ``rx``."""
    q = to_query(model, rx)
    out: dict[str, list[dict]] = {}
    probs: dict[str, np.ndarray | None] = {}
    for t in ("complaint", "diagnosis", "molecule", "lab_test", "advice"):
        probs[t] = model.predict_target(q, t)
    probs["brand"] = model.predict_target(q, "brand", p_molecule=probs["molecule"])
    probs["medicine"] = _medicines(model, q, probs["brand"])
    for t, p in probs.items():
        out[OUTPUT_FIELDS[t]] = _top(model, t, p, set(q.items.get(t, [])), n)
    if rules:
        _apply_rules(model, out, q, rules, n)
    return out


def _medicines(model, q: Query, p_brand: np.ndarray | None) -> np.ndarray | None:
    """Step three: catalogue strings from the brand and the patient's age band.

    P(string | brand, band) = (band counts + global share) / (band weight + 1), summed over the
    top brands in one scatter.
    """
    if p_brand is None or "medicine" not in model.vocab_:
        return None
    band = q.agegender.split(":")[0]
    ids, vals, scales = [], [], []
    for b in np.argsort(-p_brand)[:20].tolist():
        brand = model.vocab_["brand"][b]
        g = model.medicine_given_.get(brand)
        if g is None:
            continue
        pb = float(p_brand[b])
        a = model.medicine_given_age_.get(f"{brand}|{band}")
        ids.append(g[1])
        vals.append(g[2])
        if a is None:
            scales.append(pb / g[0])
        else:
            scales.append(pb / (g[0] * (a[0] + 1.0)))
            ids.append(a[1])
            vals.append(a[2])
            scales.append(pb / (a[0] + 1.0))
    return scatter(len(model.vocab_["medicine"]), ids, vals, scales)


def _displayer(model, t: str):
    """The name shown for a value of field ``t`` (None: show the value itself)."""
    return icd.description if t == "diagnosis" else model.display_.get(t, {}).get


def _display(model, t: str, v: str) -> str:
    return _displayer(model, t)(v) or v


def _top(model, t: str, p: np.ndarray | None, entered: set[str], n: int) -> list[dict]:
    if p is None:
        return []
    vocab = model.vocab_[t]
    m = min(n + len(entered), len(p))
    head = np.argpartition(-p, m - 1)[:m] if 0 < m < len(p) else np.arange(len(p))
    order = head[np.argsort(-p[head], kind="stable")]
    probs = np.round(p[order].astype(np.float64), 4).tolist()
    display = _displayer(model, t)
    res = []
    for i, prob in zip(order.tolist(), probs):
        v = vocab[i]
        if v not in entered:
            res.append({"value": v, "display": display(v) or v, "probability": prob})
    return res[:n]


def _apply_rules(model, out: dict, q: Query, rules: list[dict], n: int) -> None:
    dx = set(q.items.get("diagnosis", []))
    for r in rules:
        if r["diagnosis_code"].upper() not in dx:
            continue
        f = OUTPUT_FIELDS.get(r["field"])
        if f is None:
            continue
        value = r["value"] if r["field"] in ("molecule", "brand", "medicine") else normalise_vocab(r["value"])
        if r["field"] == "molecule":
            value = value.upper()
        entered = set(q.items.get(r["field"], []))
        lst = [s for s in out[f] if s["value"] != value]
        if r["rule"] == "never" or value in entered:
            out[f] = lst
            continue
        item = next((s for s in out[f] if s["value"] == value), None) or {
            "value": value, "display": _display(model, r["field"], value), "probability": None}
        item = {**item, "rule": r["rule"]}
        if r["rule"] == "always":
            out[f] = [item] + lst[: n - 1]
        elif item not in lst and not any(s["value"] == value for s in out[f]):
            out[f] = lst[: n - 1] + [item]  # sometimes: make sure it is on screen
