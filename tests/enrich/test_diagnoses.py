"""Diagnosis values as they arrive: ICD-10, SNOMED CT concept ids (Verhoeff check digit) or free text."""

import pytest

from sehat.enrich.diagnoses import (
    code_system,
    display_name,
    parents,
    parse_diagnosis,
    verhoeff_valid,
)


@pytest.mark.parametrize(("value", "system"), [
    ("E11.9", "icd10"), ("e11.9", "icd10"), ("I10", "icd10"), ("J06.9", "icd10"), ("S72.001A", "icd10"),
    ("22298006", "snomed"),  # myocardial infarction
    ("38341003", "snomed"),  # hypertensive disorder
    ("44054006", "snomed"),  # diabetes mellitus type 2
    ("195967001", "snomed"),  # asthma
    ("840539006", "snomed"),  # COVID-19
    ("22298007", "text"),  # wrong check digit
    ("123456", "text"), ("12", "text"),
    ("Viral fever", "text"), ("low back pain", "text"), ("", "text"),
    ("22298006 |Myocardial infarction|", "snomed"), ("E11.9 - Type 2 diabetes", "icd10"),
])
def test_code_system(value, system):
    assert code_system(value) == system


def test_verhoeff():
    assert verhoeff_valid("2363") and not verhoeff_valid("2364")


def test_display_name_is_kept_and_hierarchy_only_for_icd10():
    d = parse_diagnosis("22298006 |Myocardial infarction|")
    assert (d.code, d.system, d.display) == ("22298006", "snomed", "Myocardial infarction")
    assert parents("22298006") == ()
    e = parse_diagnosis("E11.9: Type 2 diabetes mellitus")
    assert (e.code, e.system, e.display) == ("E11.9", "icd10", "Type 2 diabetes mellitus")
    assert parents(e.code) == ("E11", "E10-E14", "IV")
    assert display_name("I10").startswith("Essential")
    assert display_name("38341003") == "38341003"
    assert parse_diagnosis("fever since 3 days").system == "text"
