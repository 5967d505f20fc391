"""Suggestions as the doctor's screen shows them: ranking, display names, doctor-input rules.

:func:`suggest` asks the model for the probabilities (``PrescriptionRecommender.predict_proba``, every
entered field visible) and hands them to :func:`present`, which ranks them for the screen.

Input (every key optional)::

    {"doctor_id": 7, "patient_id": 42, "speciality": "general practitioner", "patient_age": 34, "patient_gender": "F",
     "prescribed_at": "2026-03-01", "complaints": ["fever since 2 days"], "diagnoses": ["J06.9"],
     "medicines": ["DOLO 650MG TAB 8's"], "lab_tests": [], "advice": [], "notes": "..."}

Output: ``{"complaints": [{"value", "display", "probability"}, ...], "diagnoses": [...],
"molecules": [...], "brands": [...], "medicines": [...], "lab_tests": [...], "advice": [...]}``,
never repeating what is already entered, doctor-input rules applied last.

Doctor-input rules (diagnosis_code, field, value, always/sometimes/never) come with the model
(``rules_``: the warehouse table ``seeds.doctor_input_rules`` exported with the training data)
or from a file (:func:`load_rules`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ml.prescriptions.data import RULES, load_rules, normalise_vocab  # noqa: F401 - RULES, load_rules re-exported
from ml.prescriptions.features import Query, code_system
from sehat.enrich import diagnoses as icd

OUTPUT_FIELDS = {"complaint": "complaints", "diagnosis": "diagnoses", "molecule": "molecules", "brand": "brands",
                 "medicine": "medicines", "lab_test": "lab_tests", "advice": "advice"}


def suggest(model, rx: Mapping, n: int = 10, rules: list[dict] | None = None) -> dict[str, list[dict]]:
    """Top-``n`` suggestions per field for the (partial) prescription ``rx`` from a fitted
    :class:`~ml.prescriptions.model.PrescriptionRecommender`. ``rules``: doctor-input rules; None applies
    the rules the model was fitted with (``rules_``)."""
    q = model.query(rx)  # checks the model is fitted
    if rules is None:
        rules = getattr(model, "rules_", [])  # models pickled before rules travelled with them have none
    return present(model, q, model.predict_proba([q])[0], n, rules)


def present(model, q: Query, probs: dict[str, np.ndarray | None], n: int, rules: list[dict] | None
            ) -> dict[str, list[dict]]:
    """Rank ``probs`` per field, leave out what ``q`` already holds, add display names, apply ``rules``."""
    out = {OUTPUT_FIELDS[t]: _top(model, t, p, set(q.items.get(t, [])), n) for t, p in probs.items()}
    if rules:
        _apply_rules(model, out, q, rules, n)
    return out


def _displayer(model, t: str):
    """The name shown for a value of field ``t`` (None: show the value itself)."""
    if t != "diagnosis":
        return model.display_.get(t, {}).get
    given = model.display_.get("diagnosis", {})
    return lambda v: diagnosis_display(v, given.get(v))


def diagnosis_display(value: str, given: str | None = None) -> str:
    """A diagnosis as shown: the WHO name of an ICD-10 code (else the name given with it in the training
    data); a SNOMED CT id's given name, else ``"SNOMED CT <id>"`` (never a bare number); free text as written."""
    system = code_system(value)
    if system == "icd10":
        return icd.description(value) or given or value
    if system == "snomed":
        return given or f"SNOMED CT {value}"
    return given or value


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
