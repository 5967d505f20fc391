"""Prescriptions: complaints, ICD-10 diagnoses, medicines, lab tests, advice and notes.

The planted structure (what a suggestion model can learn):

* diagnosis depends on the doctor's speciality, the season and the patient
  (age, gender, known chronic condition);
* complaints come from the diagnosis' complaint concepts, each written as one of
  several paraphrases ("Right lung is paining" / "pain in right lung");
* molecules follow the diagnosis -> molecule tendencies in ``clinical.DIAGNOSES``;
  the brand for a molecule follows the doctor's own brand preference; the SKU
  follows the patient's age (suspensions and syrups for young children);
* ~5% of prescriptions are empty and ~5% carry medicines only (the doctor told
  the diagnosis verbally).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from sehat.generate.clinical import (
    COMPLAINTS,
    DIAGNOSES,
    GENERAL_ADVICE,
    MEDICINES,
    NOTE_TEMPLATES,
    PAEDIATRIC_FORMS,
    Diagnosis,
)
from sehat.generate.world import Doctors, seasonal_factor

EMPTY_SHARE = 0.05
MEDICINES_ONLY_SHARE = 0.05
FEMALE_ONLY = frozenset({"Z34.9", "O21.0", "N94.6"})
ADULT_ONLY = frozenset({"E11.9", "I10", "E78.5", "E03.9", "L70.0", "M54.5", "G43.9"}) | FEMALE_ONLY

_SKUS: dict[tuple[str, str], list[int]] = {}
for _i, _m in enumerate(MEDICINES):
    _SKUS.setdefault((_m.molecule_key, _m.brand), []).append(_i)


@dataclass
class Prescription:
    """What the doctor wrote (medicines as indices into ``clinical.MEDICINES``)."""

    diagnoses: list[str] = field(default_factory=list)
    complaint_concepts: list[str] = field(default_factory=list)
    complaints: list[str] = field(default_factory=list)
    medicines: list[int] = field(default_factory=list)
    lab_tests: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    notes: str = ""
    # what the doctor had in mind even when nothing was written down (the chat still discusses it)
    intended: list[str] = field(default_factory=list)


def prescribe(r: np.random.Generator, doctor: int, doctors: Doctors, age: int, gender: str, chronic_dx: str,
              day: date) -> Prescription:
    """Write one prescription for a consultation with ``doctor``."""
    speciality = doctors.speciality[doctor]
    candidates = [d for d in DIAGNOSES if speciality in d.specialities and _fits(d, age, gender)]
    if not candidates:
        candidates = [d for d in DIAGNOSES if d.code == "J06.9"]
    chronic = next((d for d in candidates if d.code == chronic_dx), None)
    weights = np.array([d.weight * seasonal_factor(d.season_amplitude, d.peak_month, day) for d in candidates])
    primary = (chronic if chronic and r.random() < 0.6
               else candidates[r.choice(len(candidates), p=weights / weights.sum())])
    chosen = [primary]
    if r.random() < 0.2 and len(candidates) > 1:
        second = candidates[r.choice(len(candidates), p=weights / weights.sum())]
        if second is not primary:
            chosen.append(second)

    rx = Prescription(intended=[d.code for d in chosen])
    u = r.random()
    if u < EMPTY_SHARE:
        rx.complaint_concepts = list(primary.complaints[:1])
        return rx
    for d in chosen:
        for concept in d.complaints:
            if r.random() < 0.6 and concept not in rx.complaint_concepts:
                rx.complaint_concepts.append(concept)
    if not rx.complaint_concepts:
        rx.complaint_concepts.append(primary.complaints[0])
    rx.medicines = _medicines(r, chosen, doctor, doctors, age)
    if u < EMPTY_SHARE + MEDICINES_ONLY_SHARE:
        return rx
    rx.diagnoses = [d.code for d in chosen]
    rx.complaints = [_paraphrase(r, c) for c in rx.complaint_concepts]
    for d in chosen:
        rx.lab_tests += [t for t, p in d.lab_tests if r.random() < p and t not in rx.lab_tests]
        rx.advice += [a for a, p in d.advice if r.random() < p and a not in rx.advice]
    if r.random() < 0.3:
        rx.advice.append(GENERAL_ADVICE[r.integers(len(GENERAL_ADVICE))])
    if r.random() < 0.85:
        rx.notes = NOTE_TEMPLATES[r.integers(len(NOTE_TEMPLATES))].format(
            c=rx.complaints[0], n=int(r.integers(1, 6)), dx=primary.simple_name,
            bp=f"{int(r.integers(105, 160))}/{int(r.integers(65, 100))}")
    return rx


def as_json(rx: Prescription) -> tuple[str, str, str, str, str, str]:
    """The TEXT columns of the prescriptions table: five JSON arrays and the notes."""
    def dump(values: list[str]) -> str:
        return json.dumps(values, ensure_ascii=False)

    return (dump(rx.complaints), dump(rx.diagnoses), dump([MEDICINES[m].name for m in rx.medicines]),
            dump(rx.lab_tests), dump(rx.advice), rx.notes)


def _fits(d: Diagnosis, age: int, gender: str) -> bool:
    if d.code in FEMALE_ONLY and (gender != "F" or not 18 <= age <= 45):
        return False
    return not (age < 14 and d.code in ADULT_ONLY)


def _paraphrase(r: np.random.Generator, concept: str) -> str:
    options = COMPLAINTS[concept]
    return options[r.integers(len(options))].format(n=int(r.integers(1, 6)))


def _medicines(r: np.random.Generator, chosen: list[Diagnosis], doctor: int, doctors: Doctors, age: int) -> list[int]:
    picked: list[int] = []
    molecules: list[str] = []
    for d in chosen:
        molecules += [m for m, p in d.molecules if r.random() < p and m not in molecules]
    if not molecules:
        molecules.append(chosen[0].molecules[0][0])
    for molecule in molecules:
        brands, probs = doctors.brand_pref[doctor][molecule]
        brand = brands[r.choice(len(brands), p=probs)]
        skus = _SKUS[(molecule, brand)]
        child = [i for i in skus if MEDICINES[i].form in PAEDIATRIC_FORMS]
        adult = [i for i in skus if MEDICINES[i].form not in PAEDIATRIC_FORMS]
        pool = (child or skus) if age < 12 else (adult or skus)
        picked.append(pool[r.integers(len(pool))])
    return picked
