"""Conditioning features shared by the SQL counts (training) and the Python lookup (suggestions).

A feature has a name and, per prescription, zero or more string values. The SQL
below and :func:`query_features` must produce identical strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sehat.enrich import diagnoses as icd
from sehat.enrich.diagnoses import code_system

__all__ = ["code_system"]  # re-exported: the model side asks it which values back off

# feature -> the input field it needs (None: context, always known)
FEATURE_FIELD: dict[str, str | None] = {
    "doctor": None, "patient": None, "speciality": None, "agegender": None, "month": None, "spec_ag": None,
    "complaint": "complaint", "complaint_pair": "complaint", "complaint_ag": "complaint",
    "diagnosis": "diagnosis", "diagnosis_ag": "diagnosis", "diagnosis_doctor": "diagnosis",
    "dx_cat": "diagnosis", "dx_block": "diagnosis",
    "molecule": "molecule", "lab_test": "lab_test",
}
# recency-frequency models per target, generic -> specific (the global prior is always there too)
MODELS: dict[str, tuple[str, ...]] = {
    "complaint": ("speciality", "agegender", "month", "doctor", "spec_ag", "patient", "diagnosis", "diagnosis_ag",
                  "molecule"),
    "diagnosis": ("speciality", "agegender", "month", "doctor", "spec_ag", "patient", "molecule", "complaint",
                  "complaint_ag", "complaint_pair"),
    "molecule": ("speciality", "agegender", "month", "doctor", "patient", "complaint", "complaint_ag", "complaint_pair",
                 "diagnosis", "diagnosis_ag", "diagnosis_doctor"),
    "lab_test": ("speciality", "agegender", "doctor", "complaint", "molecule", "diagnosis", "diagnosis_doctor"),
    "advice": ("speciality", "agegender", "doctor", "complaint", "molecule", "lab_test", "diagnosis",
               "diagnosis_doctor"),
}
RF_TARGETS = tuple(MODELS)
# ICD-10 back-off tables (counted, used only when a code is rare)
BACKOFF = ("dx_cat", "dx_block")

FEATURE_SQL: dict[str, str] = {
    "doctor": "SELECT pid, doctor_id AS fv FROM rx",
    "patient": "SELECT pid, patient_id AS fv FROM rx WHERE patient_id <> '?'",
    "speciality": "SELECT pid, speciality AS fv FROM rx",
    "agegender": "SELECT pid, agegender AS fv FROM rx",
    "month": "SELECT pid, month AS fv FROM rx",
    "spec_ag": "SELECT pid, speciality || '|' || agegender AS fv FROM rx",
    "complaint": "SELECT pid, value AS fv FROM items WHERE field = 'complaint'",
    "complaint_pair": """SELECT a.pid, a.value || '&' || b.value AS fv FROM items a JOIN items b
                         ON a.pid = b.pid AND a.field = 'complaint' AND b.field = 'complaint' AND a.value < b.value""",
    "complaint_ag": ("SELECT pid, value || '|' || agegender AS fv FROM items JOIN rx USING (pid) "
                     "WHERE field = 'complaint'"),
    "diagnosis": "SELECT pid, value AS fv FROM items WHERE field = 'diagnosis'",
    "diagnosis_ag": ("SELECT pid, value || '|' || agegender AS fv FROM items JOIN rx USING (pid) "
                     "WHERE field = 'diagnosis'"),
    "diagnosis_doctor": ("SELECT pid, value || '|' || doctor_id AS fv FROM items JOIN rx USING (pid) "
                         "WHERE field = 'diagnosis'"),
    "dx_cat": ("SELECT DISTINCT pid, p.cat AS fv FROM items JOIN dx_parents p ON value = p.code "
               "WHERE field = 'diagnosis' AND p.cat IS NOT NULL"),
    "dx_block": ("SELECT DISTINCT pid, p.block AS fv FROM items JOIN dx_parents p ON value = p.code "
                 "WHERE field = 'diagnosis' AND p.block IS NOT NULL"),
    "molecule": "SELECT pid, value AS fv FROM items WHERE field = 'molecule'",
    "lab_test": "SELECT pid, value AS fv FROM items WHERE field = 'lab_test'",
}


def dx_backoff_codes(code: str) -> tuple[str | None, str | None]:
    """(category, block) used to back off from a rare code: E11.2 -> (E11, E10-E14); I10 -> (I10-I15, IX).

    Only ICD-10 codes have a hierarchy: a SNOMED CT code or free text backs off to nothing."""
    if code_system(code) != "icd10":
        return None, None
    chain = [c for c in icd.parents(code)]
    if "." in code:
        return (chain[0] if chain else code.split(".")[0]), (chain[1] if len(chain) > 1 else None)
    return (chain[0] if chain else None), (chain[1] if len(chain) > 1 else None)


@dataclass
class Query:
    """A prescription in the model's own vocabulary (normalised values)."""

    doctor: str = "?"
    patient: str = "?"
    speciality: str = "?"
    agegender: str = "?:?"
    month: str = "?"
    items: dict[str, list[str]] = field(default_factory=dict)  # field -> values
    tokens: list[str] = field(default_factory=list)  # note tokens


def query_features(q: Query, known: set[str] | None = None) -> dict[str, list[str]]:
    """Feature values of ``q``; ``known`` limits which item fields are visible (None: all)."""
    def vals(f: str) -> list[str]:
        return q.items.get(f, []) if known is None or f in known else []

    c, d = sorted(set(vals("complaint"))), vals("diagnosis")
    out = {"doctor": [q.doctor], "patient": [q.patient] if q.patient != "?" else [], "speciality": [q.speciality],
           "agegender": [q.agegender], "month": [q.month],
           "spec_ag": [f"{q.speciality}|{q.agegender}"],
           "complaint": c, "complaint_ag": [f"{x}|{q.agegender}" for x in c],
           "complaint_pair": [f"{a}&{b}" for i, a in enumerate(c) for b in c[i + 1:]],
           "diagnosis": d, "diagnosis_ag": [f"{x}|{q.agegender}" for x in d],
           "diagnosis_doctor": [f"{x}|{q.doctor}" for x in d],
           "molecule": vals("molecule"), "lab_test": vals("lab_test")}
    return out
