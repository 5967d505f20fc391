"""Diagnoses as ICD-10, SNOMED CT or free text on the model side (issue 15): ICD-10 back-off only for
ICD-10 values, display names for SNOMED CT / free text (never a bare number)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ml.prescriptions.data import normalise_diagnosis, prepare
from ml.prescriptions.features import dx_backoff_codes
from ml.prescriptions.model import PrescriptionRecommender
from ml.prescriptions.suggest import suggest

USER_FILE = Path(__file__).with_name("fixtures") / "user_prescriptions.csv"
NAMES = {"38341003": "Hypertensive disorder", "44054006": "Diabetes mellitus type 2",
         "195662009": "Acute viral pharyngitis"}


def _with_names() -> pd.DataFrame:
    df = pd.read_csv(USER_FILE, dtype=str, keep_default_na=False)
    df["diagnosis_descriptions"] = [json.dumps([NAMES.get(d, "") for d in json.loads(v)]) for v in df["diagnoses"]]
    return df


@pytest.fixture(scope="module")
def named():
    with prepare(_with_names()) as tables:
        return PrescriptionRecommender(max_validation=200).fit(tables)


@pytest.fixture(scope="module")
def bare():
    return PrescriptionRecommender(max_validation=200).fit(str(USER_FILE))


def _shown(model, rx) -> dict[str, str]:
    return {s["value"]: s["display"] for s in suggest(model, rx, n=20)["diagnoses"]}


def test_snomed_codes_show_the_name_given_with_them(named):
    shown = _shown(named, {"complaints": ["headache", "giddiness"]})
    assert shown["38341003"] == "Hypertensive disorder"
    assert shown["I10"] == "Essential (primary) hypertension"  # WHO name for ICD-10
    assert not any(d.strip().isdigit() for d in shown.values())


def test_without_names_a_snomed_code_is_labelled_not_bare(bare):
    shown = _shown(bare, {"complaints": ["headache", "giddiness"]})
    assert shown["38341003"] == "SNOMED CT 38341003"
    fever = _shown(bare, {"complaints": ["fever since 3 days"]})
    assert fever["VIRAL FEVER"] == "viral fever"  # free text as written
    assert not any(d.strip().isdigit() for d in {**shown, **fever}.values())


def test_codes_written_with_their_names_are_keyed_by_the_code():
    assert normalise_diagnosis("E11.9 - Type 2 diabetes") == "E11.9"
    assert normalise_diagnosis("38341003 |Hypertensive disorder|") == "38341003"
    assert normalise_diagnosis("  viral   Fever ") == "VIRAL FEVER"


def test_icd10_backoff_only_for_icd10_values(bare):
    assert dx_backoff_codes("E11.2") == ("E11", "E10-E14")
    assert dx_backoff_codes("38341003") == (None, None) and dx_backoff_codes("VIRAL FEVER") == (None, None)
    # an unseen SNOMED CT code borrows nothing (no hierarchy here); an unseen ICD-10 sibling does
    assert bare._lookup("molecule", "diagnosis", ["22298006"])[0] is None
    assert bare._lookup("molecule", "diagnosis", ["J02.8"])[0] is not None  # J02.9 is in the data
