"""Medicine-string parser and complaint normalisation (examples + properties)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sehat.enrich.complaints import normalise_complaint
from sehat.enrich.medicines import parse_medicine


@pytest.mark.parametrize("raw, brand, strength, form, qty, unit", [
    ("DOLO 650MG TAB 8's", "DOLO", "650 mg", "tablet", 8, "unit"),
    ("DOLO 250MG ORAL SUSP 60ml", "DOLO", "250 mg", "oral suspension", 60, "ml"),
    ("CALPOL 120MG SYP 60ml", "CALPOL", "120 mg", "syrup", 60, "ml"),
    ("NOVAMOX 500MG CAP 10's", "NOVAMOX", "500 mg", "capsule", 10, "unit"),
    ("MONOCEF 1G INJ 1 vial", "MONOCEF", "1 g", "injection", 1, "vial"),
    ("CIPLOX 0.3% W/V EYE DROPS 5ml", "CIPLOX", "0.3% w/v", "eye drops", 5, "ml"),
    ("CANDID 1% W/W CREAM 15g", "CANDID", "1% w/w", "cream", 15, "g"),
    ("ZYRTEC 5MG/5ML SYP 60ml", "ZYRTEC", "5 mg/5 ml", "syrup", 60, "ml"),
    ("VOVERAN 75MG/ML INJ 1ml x 5", "VOVERAN", "75 mg/ml", "injection", 1, "ml"),
    ("ASTHALIN 100MCG INHALER 200 MDI", "ASTHALIN", "100 mcg", "inhaler", 200, "dose"),
    ("AUGMENTIN DUO 625MG TAB 10's", "AUGMENTIN DUO", "625 mg", "tablet", 10, "unit"),
    ("MEFTAL FORTE 500MG TAB strip of 15", "MEFTAL FORTE", "500 mg", "tablet", 15, "unit"),
    ("VOVERAN SR 100MG TAB 10 TABS", "VOVERAN SR", "100 mg", "tablet", 10, "unit"),
    ("COMBIFLAM 400MG/325MG TAB 20's", "COMBIFLAM", "400 mg/325 mg", "tablet", 20, "unit"),
    ("OTRIVIN PAED 0.05% W/V NASAL DROPS 10ml", "OTRIVIN PAED", "0.05% w/v", "nasal drops", 10, "ml"),
    ("UPRISE-D3 60000IU CAP 4's", "UPRISE-D3", "60000 IU", "capsule", 4, "unit"),
    ("SUCRAFIL O GEL 1G/10MG ORAL SUSP 200ml", "SUCRAFIL O GEL", "1 g/10 mg", "oral suspension", 200, "ml"),
])
def test_parses_real_looking_strings(raw, brand, strength, form, qty, unit):
    p = parse_medicine(raw)
    assert (p.brand, p.strength, p.form, p.pack_quantity, p.pack_unit) == (brand, strength, form, qty, unit)
    assert p.parsed and not p.problems


def test_variants_and_molecules_from_catalogue():
    cat = {"AUGMENTIN DUO": ["AMOXICILLIN", "CLAVULANIC ACID"], "DOLO 650MG TAB 8'S": ["PARACETAMOL"]}
    p = parse_medicine("AUGMENTIN DUO 625MG TAB 10's", cat)
    assert p.variant == "DUO" and p.molecules == ("AMOXICILLIN", "CLAVULANIC ACID")  # combination keeps both
    assert parse_medicine("DOLO 650MG TAB 8's", cat).molecules == ("PARACETAMOL",)
    assert parse_medicine("ENTEROGERMINA 2 BILLION SPORES ORAL SUSP 5ml x 10").pack_count == 10


@pytest.mark.parametrize("raw", ["", "xyz", "some free text the pharmacist wrote", "123"])
def test_unparseable_strings_are_kept_and_flagged(raw):
    p = parse_medicine(raw)
    assert p.raw == raw and not p.parsed and p.problems


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parser_never_raises_and_keeps_the_raw_string(raw):
    p = parse_medicine(raw)
    assert p.raw == raw
    assert p.parsed == (p.brand is not None and p.form is not None
                        and not any(x.startswith("unread number") for x in p.problems))


def test_complaint_paraphrases_share_a_key():
    assert (normalise_complaint("Right lung is paining") == normalise_complaint("pain in right lung")
            == "lung pain right")
    assert normalise_complaint("fever since 3 days") == normalise_complaint("Fever since 5 days")
    assert normalise_complaint("") == ""


words = st.lists(st.sampled_from(["pain", "right", "lung", "fever", "cough", "is", "in", "since", "3", "days",
                                  "Head", "paining"]), max_size=8)


@settings(max_examples=200, deadline=None)
@given(words)
def test_complaint_key_ignores_order_case_and_is_idempotent(ws):
    key = normalise_complaint(" ".join(ws))
    assert key == normalise_complaint(" ".join(reversed(ws)).upper())
    assert normalise_complaint(key) == key or key == ""
    assert key.split() == sorted(set(key.split()))
