"""The enrichment step on a hand-made raw layer: what dbt reads as the source ``enriched``."""

from __future__ import annotations

import duckdb
import pytest

from sehat.enrich.complaints import normalise_complaint
from sehat.enrich.diagnoses import alternative_names
from sehat.enrich.medicines import parse_medicine
from sehat.enrich.step import enrich_warehouse

RAW = """
create schema raw;
create table raw.prod_prescriptions (
    prescription_id BIGINT, complaints VARCHAR, diagnoses VARCHAR, medicines VARCHAR,
    updated_at TIMESTAMP, _extracted_at TIMESTAMP);
insert into raw.prod_prescriptions values
    -- prescription 1 was edited: only its latest version counts
    (1, '["cough"]', '["T14.9"]', '["Old Brand 10mg Tablet"]', '2026-11-01 09:00', '2026-11-01 23:00'),
    (1, '["  fever   since 3 days ", "Right lung is paining", "   "]', '["E11.9", "22298006", "i10 "]',
        '["Crocin 500mg Tablet", "Augmentin   625 Duo", ""]', '2026-11-02 09:00', '2026-11-02 23:00'),
    (2, null, '["Viral fever"]', '["Crocin 500mg Tablet"]', '2026-11-02 10:00', '2026-11-02 23:00');
create table raw.prod_medicines (
    medicine_id BIGINT, name VARCHAR, brand VARCHAR, molecules VARCHAR, updated_at TIMESTAMP, _extracted_at TIMESTAMP);
insert into raw.prod_medicines values
    (1, 'CROCIN 500MG TAB 15''s', 'Crocin', '["paracetamol"]', '2026-01-01', '2026-11-01 23:00'),
    (2, 'Augmentin 625  Duo', 'Augmentin', '["amoxicillin", "clavulanic acid"]', '2026-01-01', '2026-11-01 23:00'),
    -- a brand-only row for Augmentin with other molecules: the full string wins
    (3, 'AUGMENTIN 375 TAB', 'Augmentin 625 Duo', '["amoxicillin"]', '2026-01-01', '2026-11-01 23:00');
"""


@pytest.fixture
def con():
    with duckdb.connect() as con:
        con.execute(RAW)
        yield con


def rows(con, table: str) -> dict:
    cur = con.execute(f"select * from enriched.{table}")
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def test_medicines_parsed_from_the_latest_prescriptions_with_catalogue_molecules(con):
    counts = enrich_warehouse(con)
    meds = rows(con, "medicines_parsed")
    assert set(meds) == {"Crocin 500mg Tablet", "Augmentin 625 Duo"}  # single-spaced; blank and old version out
    assert counts["medicines_parsed"] == 2
    crocin = meds["Crocin 500mg Tablet"]
    assert (crocin["brand"], crocin["strength"], crocin["strength_value"], crocin["strength_unit"], crocin["form"]) \
        == ("CROCIN", "500 mg", 500.0, "mg", "tablet")
    assert crocin["molecules"] == ["PARACETAMOL"] and crocin["is_parsed"] and crocin["parse_problems"] == []
    augmentin = meds["Augmentin 625 Duo"]
    assert augmentin["molecules"] == ["AMOXICILLIN", "CLAVULANIC ACID"]  # the full catalogue string, upper case
    expected = parse_medicine("Augmentin 625 Duo")
    assert (augmentin["brand"], augmentin["is_parsed"], augmentin["parse_problems"]) == (
        expected.brand, expected.parsed, list(expected.problems))


def test_complaint_keys(con):
    enrich_warehouse(con)
    keys = {raw: r["complaint_key"] for raw, r in rows(con, "complaint_keys").items()}
    assert keys == {"fever since 3 days": "fever", "Right lung is paining": "lung pain right"}
    assert keys["Right lung is paining"] == normalise_complaint("pain in right lung")


def test_diagnoses_described_icd10_snomed_text_and_the_seed(con):
    counts = enrich_warehouse(con)
    dx = rows(con, "diagnoses_described")
    assert {"E11.9", "I10", "22298006", "VIRAL FEVER"} <= set(dx) and "T14.9" not in dx
    assert set(alternative_names()) <= set(dx)  # the seed's codes are described too
    assert counts["diagnoses_described"] == len(dx)
    e119 = dx["E11.9"]
    assert e119["is_valid_code"] and e119["description"]
    assert (e119["category_code"], e119["block_code"], e119["chapter_code"], e119["parent_chain"]) == (
        "E11", "E10-E14", "IV", ["E11", "E10-E14", "IV"])
    i10 = dx["I10"]  # written "i10 ": trimmed, upper case; a category is its own category_code
    assert (i10["description"], i10["category_code"], i10["block_code"], i10["chapter_code"]) == (
        "Essential (primary) hypertension", "I10", "I10-I15", "IX")
    for code in ("22298006", "VIRAL FEVER"):  # SNOMED CT id and free text: kept, no ICD-10 hierarchy
        assert (dx[code]["is_valid_code"], dx[code]["description"], dx[code]["category_code"],
                dx[code]["block_code"], dx[code]["parent_chain"]) == (False, None, None, None, [])


def test_typed_idempotent_and_empty_without_raw_tables(con):
    first = enrich_warehouse(con)
    snapshot = {t: con.execute(f"select * from enriched.{t} order by 1").fetchall() for t in first}
    assert enrich_warehouse(con) == first
    assert {t: con.execute(f"select * from enriched.{t} order by 1").fetchall() for t in first} == snapshot
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_schema = 'enriched' and table_name = 'medicines_parsed'").fetchall())
    assert (types["molecules"], types["strength_value"], types["pack_count"], types["is_parsed"]) == (
        "VARCHAR[]", "DOUBLE", "BIGINT", "BOOLEAN")

    con.execute("drop table raw.prod_prescriptions; drop table raw.prod_medicines")
    counts = enrich_warehouse(con)
    assert counts["medicines_parsed"] == counts["complaint_keys"] == 0
    assert counts["diagnoses_described"] == len(alternative_names())  # the seed alone
    assert con.execute("select data_type from information_schema.columns where table_schema = 'enriched' "
                       "and table_name = 'diagnoses_described' and column_name = 'parent_chain'"
                       ).fetchone()[0] == "VARCHAR[]"


def test_a_failed_write_keeps_the_previous_tables(con):
    enrich_warehouse(con)
    before = con.execute("select * from enriched.complaint_keys order by 1").fetchall()
    con.execute("insert into raw.prod_prescriptions values "
                "(3, '[\"headache\"]', null, null, '2026-11-03', '2026-11-03 23:00')")
    calls = []

    def register(name, table):  # the third table (after two were replaced) fails to write
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return con.register(name, table)

    with pytest.raises(RuntimeError, match="disk full"):
        enrich_warehouse(_Wrapped(con, register))
    assert con.execute("select * from enriched.complaint_keys order by 1").fetchall() == before  # rolled back
    enrich_warehouse(con)
    assert ("headache", "headach") in con.execute("select * from enriched.complaint_keys").fetchall()


class _Wrapped:
    """A connection whose ``register`` can fail (a DuckDB connection's methods cannot be patched)."""

    def __init__(self, con, register):
        self._con, self.register = con, register

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_a_catalogue_with_composition_gives_molecule_strengths_and_numbered_brands():
    with duckdb.connect() as con:
        con.execute("""
            create schema raw;
            create table raw.prod_prescriptions (prescription_id BIGINT, complaints VARCHAR, diagnoses VARCHAR,
                medicines VARCHAR, updated_at TIMESTAMP, _extracted_at TIMESTAMP);
            insert into raw.prod_prescriptions values (1, null, null,
                '["Dolo 650 Tablet", "AUGMENTIN DUO 625MG TAB 10''s", "Liv 52 DS Tablet", "Pan-D Capsule",
                  "Metformin 500 mg + Glimepiride 2 mg Tablet"]', '2026-11-02', '2026-11-02 23:00');
            create table raw.prod_medicines (medicine_id BIGINT, name VARCHAR, brand VARCHAR, molecules VARCHAR,
                composition VARCHAR, updated_at TIMESTAMP, _extracted_at TIMESTAMP);
            insert into raw.prod_medicines values
                (1, 'Dolo 650 Tablet', 'Dolo', '["paracetamol"]', 'Paracetamol (650mg)', '2026-01-01', '2026-11-01'),
                (2, 'Augmentin 625 Duo Tablet', 'Augmentin Duo', null,
                    'Amoxycillin (500mg) + Clavulanic Acid (125mg)', '2026-01-01', '2026-11-01'),
                (3, 'Liv 52 Tablet', 'Liv 52', '["herbal"]', 'Himsra (65mg) + Kasani (65mg)', '2026-01-01', '2026-11-01'),
                (4, 'Pan 40 Tablet', 'Pan', '["pantoprazole"]', null, '2026-01-01', '2026-11-01');
        """)  # noqa: E501 (a SQL fixture row: wrapping would change the text)
        enrich_warehouse(con)
        meds = rows(con, "medicines_parsed")
    dolo = meds["Dolo 650 Tablet"]
    assert (dolo["brand"], dolo["strength"], dolo["strength_unit"], dolo["molecules"], dolo["molecule_strengths"],
            dolo["molecules_from"], dolo["is_parsed"]) == ("DOLO", "650", None, ["PARACETAMOL"], ["650 mg"],
                                                           "catalogue", True)
    duo = meds["AUGMENTIN DUO 625MG TAB 10's"]
    assert duo["molecules"] == ["AMOXYCILLIN", "CLAVULANIC ACID"] and duo["molecule_strengths"] == ["500 mg", "125 mg"]
    liv = meds["Liv 52 DS Tablet"]
    assert (liv["brand"], liv["strength"], liv["molecules"]) == ("LIV 52 DS", None, ["HIMSRA", "KASANI"])
    assert meds["Pan-D Capsule"]["molecules"] == []  # PAN-D is not PAN: unknown rather than wrong
    generic = meds["Metformin 500 mg + Glimepiride 2 mg Tablet"]
    assert (generic["molecules"], generic["molecule_strengths"], generic["molecules_from"]) == (
        ["METFORMIN", "GLIMEPIRIDE"], ["500 mg", "2 mg"], "name")
