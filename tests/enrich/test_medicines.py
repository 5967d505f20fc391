"""The medicine-name parser on the styles real catalogues use, and the catalogue it reads molecules from."""

from __future__ import annotations

import pytest

from sehat.enrich.medicines import Catalogue, parse_composition, parse_medicine


@pytest.mark.parametrize("raw, brand, strength, form", [
    # e-commerce names: bare numbers, variants after the strength, release words after the form
    ("Dolo 650 Tablet", "DOLO", "650", "tablet"),
    ("Zotral 50 Tablet", "ZOTRAL", "50", "tablet"),
    ("Augmentin 625 Duo Tablet", "AUGMENTIN DUO", "625", "tablet"),
    ("Augmentin 500/125 Tablet", "AUGMENTIN", "500/125", "tablet"),
    ("Glycomet GP 2 Tablet", "GLYCOMET GP", "2", "tablet"),
    ("Glycomet-GP 0.5 Tablet PR", "GLYCOMET-GP PR", "0.5", "tablet"),
    ("Voveran 100 SR Tablet", "VOVERAN SR", "100", "tablet"),
    ("Montair LC Kid Tablet DT", "MONTAIR LC KID DT", None, "tablet"),
    ("Ascoril LS Syrup", "ASCORIL LS", None, "syrup"),
    ("Telma-40 Tablet", "TELMA", "40", "tablet"),
    # units
    ("Thyronorm 50mcg Tablet", "THYRONORM", "50 mcg", "tablet"),
    ("Calpol 120 mg/5 ml Syrup", "CALPOL", "120 mg/5 ml", "syrup"),
    ("Ciplox 0.3% w/v Eye/Ear Drops", "CIPLOX", "0.3% w/v", "eye/ear drops"),
    ("Uprise D3 60,000 IU Capsule", "UPRISE D3", "60000 IU", "capsule"),
    ("Lantus 100IU/ml Solution for Injection", "LANTUS", "100 IU/ml", "injection"),
    ("Paracip 1000mg/100ml Solution for Infusion", "PARACIP", "1000 mg/100 ml", "infusion"),
    ("Budecort 0.5mg Respules 2ml x 5", "BUDECORT", "0.5 mg", "respules"),
    ("Foracort 200 Rotacaps 30's", "FORACORT", "200", "rotacaps"),
    ("SUCRAFIL O GEL 1G/10MG ORAL SUSP 200ml", "SUCRAFIL O GEL", "1 g/10 mg", "oral suspension"),
    ("Sucrafil O Gel Oral Suspension 200ml", "SUCRAFIL O GEL", None, "oral suspension"),
    # generic compositions and RxNorm
    ("Metformin 500 mg + Glimepiride 2 mg Tablet", "METFORMIN + GLIMEPIRIDE", "500 mg/2 mg", "tablet"),
    ("Acetaminophen 325 MG Oral Tablet", "ACETAMINOPHEN", "325 mg", "tablet"),
    ("Amoxicillin 875 MG / Clavulanate 125 MG Oral Tablet [Augmentin]", "AUGMENTIN", "875 mg/125 mg", "tablet"),
    ("24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet", "METFORMIN HYDROCHLORIDE", "500 mg",
     "tablet"),
    ("Insulin Glargine 100 UNT/ML Injectable Solution [Lantus]", "LANTUS", "100 IU/ml", "injection"),
    # Indonesian
    ("Paracetamol 500 mg Tablet", "PARACETAMOL", "500 mg", "tablet"),
    ("Amoxsan 500 Kapsul", "AMOXSAN", "500", "capsule"),
    ("Dexamethasone 0,5 mg Tablet", "DEXAMETHASONE", "0.5 mg", "tablet"),
    ("Insto Regular Tetes Mata 7.5 ml", "INSTO REGULAR", None, "eye drops"),
])
def test_brand_strength_form(raw, brand, strength, form):
    p = parse_medicine(raw)
    assert (p.brand, p.strength, p.form) == (brand, strength, form)
    assert p.parsed


@pytest.mark.parametrize("raw, qty, unit, count", [
    ("Dolo 650 Tablet Strip Of 15 Tablets", 15, "unit", None),
    ("Dolo 650 Strip Of 15 Tablets", 15, "unit", None),
    ("Dolo 650 Tablet (15)", 15, "unit", None),
    ("Ascoril LS Syrup 100ml", 100, "ml", None),
    ("Enterogermina 2 Billion Spores Oral Suspension 5ml x 10", 5, "ml", 10),
    ("Paracetamol 500 mg Box 10 x 10 Tablet", 100, "unit", None),
    ("Candid 1% w/w Cream 15gm", 15, "g", None),
    ("Monocef 1 gm Inj 1 Vial", 1, "vial", None),
])
def test_packs(raw, qty, unit, count):
    p = parse_medicine(raw)
    assert (p.pack_quantity, p.pack_unit, p.pack_count) == (qty, unit, count)
    assert p.form is not None


def test_strength_value_and_unit():
    assert (parse_medicine("Dolo 650 Tablet").strength_value, parse_medicine("Dolo 650 Tablet").strength_unit) == (
        650.0, None)  # a bare number has no unit: the composition says mg (or mcg: "Thyronorm 50")
    p = parse_medicine("DOLO 650MG TAB 8's")
    assert (p.strength_value, p.strength_unit) == (650.0, "mg")


def test_composition_text():
    assert parse_composition("Amoxycillin (500mg) + Clavulanic Acid (125mg)") == (
        ("AMOXYCILLIN", "500 mg"), ("CLAVULANIC ACID", "125 mg"))
    assert parse_composition("Ambroxol (30mg/5ml) + Guaifenesin (50mg/5ml)") == (
        ("AMBROXOL", "30 mg/5 ml"), ("GUAIFENESIN", "50 mg/5 ml"))
    assert parse_composition("Vitamin B Complex (NA) + Vitamin C (150mg)") == (
        ("VITAMIN B COMPLEX", None), ("VITAMIN C", "150 mg"))
    assert parse_composition("Herbal") == (("HERBAL", None),)
    assert parse_composition(None) == ()


def _catalogue() -> Catalogue:
    cat = Catalogue()
    cat.add(name="Dolo 650 Tablet", brand="Dolo", composition="Paracetamol (650mg)")
    cat.add(name="Augmentin 625 Duo Tablet", brand="Augmentin Duo",
            composition="Amoxycillin (500mg) + Clavulanic Acid (125mg)")
    cat.add(name="Augmentin 375 Tablet", brand="Augmentin", composition="Amoxycillin (250mg) + Clavulanic Acid (125mg)")
    cat.add(name="Liv 52 Tablet", brand="Liv 52", composition="Himsra (65mg) + Kasani (65mg)")
    cat.add(name="Human Mixtard 30/70 Injection", brand="Human Mixtard 30/70", composition="Insulin Human (100IU/ml)")
    cat.add(name="Pan 40 Tablet", brand="Pan", composition="Pantoprazole (40mg)")
    cat.add(name="Glycomet 500 Tablet", brand="Glycomet", molecules=["metformin"])  # no composition
    return cat


def test_the_catalogue_gives_molecules_with_strengths():
    cat = _catalogue()
    dolo = parse_medicine("DOLO 650MG TAB 15's", cat)  # not the catalogue's name: found by brand
    assert (dolo.molecules, dolo.molecule_strengths, dolo.molecules_from) == (
        ("PARACETAMOL",), ("650 mg",), "catalogue")
    duo = parse_medicine("AUGMENTIN DUO 625MG TAB 10's", cat)
    assert duo.molecules == ("AMOXYCILLIN", "CLAVULANIC ACID") and duo.molecule_strengths == ("500 mg", "125 mg")
    # the brand's entry whose strengths fit the name: 375 = 250 + 125
    assert parse_medicine("Augmentin 375 Tab", cat).molecule_strengths == ("250 mg", "125 mg")
    glycomet = parse_medicine("Glycomet SR 500 Tablet", cat)  # SR: same molecules as the brand; no strengths known
    assert (glycomet.molecules, glycomet.molecule_strengths) == (("METFORMIN",), (None,))
    assert parse_medicine("Paracetamol 500 mg Tablet", cat).molecules == ("PARACETAMOL",)  # a generic name


def test_a_variant_that_adds_a_molecule_does_not_borrow_the_brands_molecules():
    cat = _catalogue()
    p = parse_medicine("Pan-D Capsule", cat)
    assert p.brand == "PAN-D" and p.molecules == () and p.molecules_from is None  # unknown, not wrong


def test_brands_with_numbers_come_from_the_catalogue():
    cat = _catalogue()
    assert parse_medicine("Liv 52 Tablet").brand == "LIV"  # without the catalogue 52 reads as a strength
    liv = parse_medicine("Liv 52 DS Tablet 60's", cat)
    assert (liv.brand, liv.strength, liv.form, liv.molecules) == ("LIV 52 DS", None, "tablet", ("HIMSRA", "KASANI"))
    mixtard = parse_medicine("Human Mixtard 30/70 100IU/ml Suspension for Injection", cat)
    assert (mixtard.brand, mixtard.strength, mixtard.form) == ("HUMAN MIXTARD 30/70", "100 IU/ml", "injection")
    # a number that is one of the composition's strengths stays a strength
    assert parse_medicine("Dolo 650 Tablet", cat).brand == "DOLO"


def test_names_carry_their_own_molecules():
    p = parse_medicine("Amoxicillin 500 MG / Clavulanate 125 MG Oral Tablet [Augmentin]")
    assert (p.molecules, p.molecule_strengths, p.molecules_from) == (
        ("AMOXICILLIN", "CLAVULANATE"), ("500 mg", "125 mg"), "name")
    assert parse_medicine("Metformin 500 mg + Glimepiride 2 mg Tablet").molecules == ("METFORMIN", "GLIMEPIRIDE")


def test_the_older_mapping_catalogue_still_works():
    p = parse_medicine("AUGMENTIN DUO 625MG TAB 10's", {"AUGMENTIN DUO": ["AMOXICILLIN", "CLAVULANIC ACID"]})
    assert p.molecules == ("AMOXICILLIN", "CLAVULANIC ACID") and p.molecule_strengths == (None, None)


def test_parsed_and_problems():
    assert parse_medicine("Combiflam Tablet").parsed  # no number written: nothing missing
    p = parse_medicine("Dolo 650 Tablet 15 20 30")
    assert not p.parsed and any(x.startswith("unread number") for x in p.problems)
    assert "no form" in parse_medicine("Dolo 650").problems
