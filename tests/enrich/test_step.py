"""The enrichment step (sehat.enrich.step) on a hand-made raw layer, and the dbt project's
independence from ml/ (no Python models: the project builds on Spark too)."""

from __future__ import annotations

import re

import duckdb

from sehat.config import DBT_PROJECT_DIR
from sehat.enrich.step import SCHEMAS, enrich_warehouse


def _raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA raw")
    con.execute("""CREATE TABLE raw.prod_prescriptions AS SELECT * FROM (VALUES
        (1, '["Crocin 500mg Tablet", "Augmentin  625 Duo"]', '["Right lung is paining"]', '["J18.9", "233604007"]'),
        (1, '["Crocin 500mg Tablet"]', '["pain in right lung"]', '["j18.9"]'),
        (2, '["Zzqx"]', '[]', NULL)) t(prescription_id, medicines, complaints, diagnoses)""")
    con.execute("""CREATE TABLE raw.prod_medicines AS SELECT * FROM (VALUES
        (10, 'Crocin 500mg Tablet', 'Crocin', '["Paracetamol"]', TIMESTAMP '2026-11-01', TIMESTAMP '2026-11-01'))
        t(medicine_id, name, brand, molecules, _extracted_at, updated_at)""")


def test_lookups_hold_every_distinct_string_once():
    con = duckdb.connect()
    _raw(con)
    counts = enrich_warehouse(con)
    medicines = dict(con.sql("SELECT medicine_raw, molecules FROM enriched.medicines_parsed").fetchall())
    # inner whitespace collapsed as int_prescription_items_unnested does; one row per distinct string
    assert set(medicines) == {"Crocin 500mg Tablet", "Augmentin 625 Duo", "Zzqx"}
    assert medicines["Crocin 500mg Tablet"] == ["PARACETAMOL"]  # from the catalogue
    parsed = dict(con.sql("SELECT medicine_raw, is_parsed FROM enriched.medicines_parsed").fetchall())
    assert parsed["Crocin 500mg Tablet"] is True and parsed["Zzqx"] is False  # kept, flagged
    keys = dict(con.sql("SELECT complaint_raw, complaint_key FROM enriched.complaint_keys").fetchall())
    assert keys["Right lung is paining"] == keys["pain in right lung"] != ""
    codes = dict(con.sql("SELECT diagnosis_code, is_valid_code FROM enriched.diagnoses_described").fetchall())
    assert codes["J18.9"] is True and codes["233604007"] is False  # SNOMED CT is not an ICD-10 code
    assert "ALTERNATIVE_NAME" not in codes and len(codes) >= 3  # plus the seed's codes
    assert counts["medicines_parsed"] == 3
    # typed as declared, and a rerun replaces rather than appends
    for table, columns in SCHEMAS.items():
        assert [r[0] for r in con.sql(f"DESCRIBE enriched.{table}").fetchall()] == list(columns)
    assert enrich_warehouse(con) == counts


def test_an_empty_raw_layer_gives_typed_empty_tables():
    con = duckdb.connect()
    counts = enrich_warehouse(con)
    assert counts["medicines_parsed"] == counts["complaint_keys"] == 0
    assert con.sql("SELECT data_type FROM duckdb_columns() WHERE table_name = 'medicines_parsed'"
                   " AND column_name = 'molecules'").fetchone() == ("VARCHAR[]",)


def test_the_dbt_project_has_no_python_models_and_never_imports_ml():
    assert not list((DBT_PROJECT_DIR / "models").rglob("*.py"))
    pattern = re.compile(r"^\s*(import|from)\s+ml\b", re.MULTILINE)
    offenders = [p for p in DBT_PROJECT_DIR.rglob("*") if p.is_file() and p.suffix in (".sql", ".py", ".yml")
                 and "target" not in p.parts and pattern.search(p.read_text(errors="ignore"))]
    assert not offenders
