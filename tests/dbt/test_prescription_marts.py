"""The prescription mart on a small real warehouse: generate() one day, extract the production tables,
``dbt build`` the production staging models and the prescription marts with their parents (the same
steps as sehat.daily.run_day, without CleverTap and the customer marts, to stay well under a
minute). Checked: one row per prescription with list fields that agree with the production rows, structured
medicines and described diagnoses, empty prescriptions flagged, count tables that add up, and the
daily retraining export reading the mart."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is in the orchestration extra")

from sehat.config import settings
from sehat.generate import GenerateConfig, generate
from sehat.ingest.production import extract_day
from sehat.transform.dbt import dbt_build
from sehat.warehouse import refresh_reader, restricted_reader

pytestmark = pytest.mark.e2e  # generated sample + extraction + dbt build

START = date(2026, 3, 1)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("rx_mart")
        for var in ("SEHAT_DATA_DIR", "SEHAT_WAREHOUSE", "SEHAT_READER", "SEHAT_PUBLISH_DIR", "SEHAT_PRODUCTION_URL"):
            mp.delenv(var, raising=False)
        mp.setenv("SEHAT_HOME", str(home))
        cfg = settings()
        generate(GenerateConfig(customers=20_000, days=1, start=START, seed=7, data_dir=cfg.data_dir))
        extract_day(START, cfg)
        # tests of unselected models (customer view, segments) stay out of this build
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")
        dbt_build("staging.production +marts.prescriptions doctor_input_rules", vars={"as_of_date": START.isoformat()},
                  cfg=cfg)
        refresh_reader(cfg)
        yield cfg


def _production_prescriptions(cfg) -> dict[int, dict]:
    """The rows the generator wrote into the production database (SQLite by default)."""
    path = cfg.production_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT prescription_id, complaints, diagnoses, medicines, lab_tests, advice "
                           "FROM prescriptions").fetchall()
    return {r[0]: dict(zip(("complaints", "diagnoses", "medicines", "lab_tests", "advice"),
                           (json.loads(x) if x else [] for x in r[1:]))) for r in rows}


def test_one_row_per_prescription_with_lists_matching_production(warehouse):
    prod = _production_prescriptions(warehouse)
    with restricted_reader(warehouse) as con:
        rows = con.execute("SELECT prescription_id, complaints, diagnoses, medicines, lab_tests, advice, is_empty, "
                           "is_medicines_only FROM marts.fct_prescriptions").fetchall()
        staged = con.execute("SELECT count(*) FROM staging.stg_production__prescriptions").fetchone()[0]
    # rows written after the extracted day's watermark arrive with the next day's extract
    assert len(rows) == staged > 50 and len(prod) - 5 <= staged <= len(prod)
    empty = 0
    for pid, complaints, diagnoses, medicines, labs, advice, is_empty, meds_only in rows:
        p = prod[pid]
        assert complaints == [" ".join(c.split()) for c in p["complaints"]]
        assert diagnoses == [d.strip().upper() for d in p["diagnoses"]]
        assert medicines == [" ".join(m.split()) for m in p["medicines"]]
        assert labs == [" ".join(t.split()).lower() for t in p["lab_tests"]]
        assert advice == [" ".join(a.split()).lower() for a in p["advice"]]
        assert is_empty == (not any(p.values()))
        assert meds_only == (bool(p["medicines"]) and not p["complaints"] and not p["diagnoses"])
        empty += is_empty
    assert 0 < empty < len(rows) * 0.2  # the generator writes ~5% empty prescriptions


def test_complaints_keep_raw_text_beside_the_normalised_key(warehouse):
    from sehat.enrich.complaints import normalise_complaint

    with restricted_reader(warehouse) as con:
        rows = con.execute("SELECT complaint_raw, complaint_key FROM marts.fct_prescription_complaints").fetchall()
        keys = con.execute("SELECT count(DISTINCT complaint_key), count(DISTINCT complaint_raw) "
                           "FROM marts.fct_prescription_complaints").fetchone()
    assert rows and all(key == normalise_complaint(raw) for raw, key in rows)
    assert keys[0] < keys[1]  # paraphrases collapse onto fewer keys


def test_diagnoses_described_with_parents_and_alternative_names(warehouse):
    with restricted_reader(warehouse) as con:
        dx = {r[0]: r[1:] for r in con.execute(
            "SELECT diagnosis_code, is_valid_code, description, parent_chain, alternative_names "
            "FROM marts.dim_diagnoses").fetchall()}
        unmatched = con.execute("SELECT count(*) FROM marts.fct_prescription_diagnoses d "
                                "ANTI JOIN marts.dim_diagnoses USING (diagnosis_code)").fetchone()[0]
    assert unmatched == 0
    valid, description, chain, names = dx["I10"]
    assert valid and description == "Essential (primary) hypertension"
    assert chain == ["I10-I15", "IX"] and "BP" in names
    assert dx["E11.9"][2] == ["E11", "E10-E14", "IV"] and "sugar" in dx["E11.9"][3]


def test_medicines_structured_and_unparseable_kept(warehouse):
    with restricted_reader(warehouse) as con:
        n_written = con.execute("SELECT sum(len(medicines)) FROM marts.fct_prescriptions").fetchone()[0]
        n_long = con.execute("SELECT count(*) FROM marts.fct_prescription_medicines").fetchone()[0]
        parsed, with_molecules = con.execute(
            "SELECT avg(is_parsed::INT), avg((len(molecules) > 0)::INT) FROM marts.fct_prescription_medicines"
        ).fetchone()
        by_name = {r[0]: r[1:] for r in con.execute(
            "SELECT DISTINCT medicine_raw, brand, strength, form, molecules, molecule_strengths "
            "FROM marts.fct_prescription_medicines").fetchall()}
        composition = con.execute("SELECT count(composition) FROM staging.stg_production__medicines").fetchone()[0]
    assert n_long == n_written  # nothing dropped
    assert parsed > 0.95 and with_molecules > 0.95 and composition > 0
    # the generator writes several name styles; each is read, molecules and strengths from the composition
    expected = {
        "Dolo 650 Tablet": ("DOLO", "650", "tablet", ["PARACETAMOL"], ["650 mg"]),
        "Augmentin 625 Duo Tablet": ("AUGMENTIN DUO", "625", "tablet", ["AMOXICILLIN", "CLAVULANIC ACID"],
                                     ["500 mg", "125 mg"]),
        "CALPOL 120MG SYP 60ml": ("CALPOL", "120 mg", "syrup", ["PARACETAMOL"], ["120 mg"]),
        "Sanmol 500 mg Tablet": ("SANMOL", "500 mg", "tablet", ["PARACETAMOL"], ["500 mg"]),
    }
    seen = {name: by_name[name] for name in expected if name in by_name}
    assert seen, "none of the expected medicines was prescribed on the generated day"
    assert seen == {name: expected[name] for name in seen}


def test_count_tables_add_up(warehouse):
    with restricted_reader(warehouse) as con:
        items, daily = con.execute("SELECT (SELECT count(*) FROM marts.fct_prescription_items), "
                                   "(SELECT sum(n_prescriptions) FROM marts.agg_prescription_items_daily)").fetchone()
        pair = con.execute("""
            SELECT (SELECT sum(n_prescriptions) FROM marts.agg_prescription_cooccurrences_daily
                    WHERE given_field = 'diagnosis' AND given_value = x.g AND target_field = 'molecule'
                      AND target_value = x.t),
                   (SELECT count(DISTINCT a.prescription_id) FROM marts.fct_prescription_items a
                    JOIN marts.fct_prescription_items b USING (prescription_id)
                    WHERE a.field = 'diagnosis' AND a.value = x.g AND b.field = 'molecule' AND b.value = x.t)
            FROM (SELECT 'J06.9' AS g, 'PARACETAMOL' AS t) x""").fetchone()
    assert items == daily > 0
    assert pair[0] == pair[1] and pair[1] > 0


def test_retraining_exports_the_mart(warehouse, tmp_path):
    import pandas as pd

    from ml.prescriptions.job import export_snapshot

    snap = export_snapshot(tmp_path, warehouse)
    assert snap["source"] == "marts.fct_prescriptions"
    df = pd.read_parquet(snap["prescriptions"])
    assert len(df) == snap["rows"] > 50
    assert {"complaints", "diagnoses", "medicines", "lab_tests", "advice", "notes", "patient_age"} <= set(df.columns)
    # the doctor-input rules travel from the dbt seed through the warehouse into the training data
    from ml.prescriptions.data import load_rules

    rules = load_rules(snap["rules"])
    assert rules and {r["rule"] for r in rules} <= {"always", "sometimes", "never"}
