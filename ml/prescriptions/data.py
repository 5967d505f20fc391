"""Input format and loading: any table of prescriptions -> DuckDB tables the models count on.

Input format (one row per prescription; Parquet, CSV, a DataFrame or a DuckDB relation):

=================  ==========================  =====================================================
column             type                        meaning
=================  ==========================  =====================================================
prescription_id    integer or text             unique id
doctor_id          integer or text             prescribing doctor
prescribed_at      timestamp (or ISO text)     when it was written (time split, recency weights)
complaints         list of text                free-text complaints ("pain in right lung")
diagnoses          list of text                ICD-10 codes ("E11.9")
medicines          list of text                catalogue strings ("DOLO 650MG TAB 8's")
lab_tests          list of text                lab test names
advice             list of text                advice lines
notes              text (nullable)             free-text notes
speciality         text (optional)             doctor's speciality
patient_age        integer (optional)          age in years at the prescription
patient_gender     text (optional)             M / F
patient_id         integer or text (optional)  the patient (their history is a feature)
=================  ==========================  =====================================================

In CSV files the list columns hold JSON arrays (``["fever since 3 days", "cough"]``).
Molecules come from a catalogue (``name``/``brand`` -> ``molecules``): the
production ``medicines`` table in Sehat, or ``--catalogue`` on the command line;
without one, a medicine's brand stands in for its molecule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from sehat.enrich.complaints import STOP_WORDS, _stem, normalise_complaint
from sehat.enrich.medicines import parse_medicine

LIST_COLUMNS = ("complaints", "diagnoses", "medicines", "lab_tests", "advice")
REQUIRED = ("prescription_id", "doctor_id", "prescribed_at") + LIST_COLUMNS
# target fields the model predicts, in the order doctors enter them
TARGETS = ("complaint", "diagnosis", "molecule", "brand", "lab_test", "advice")
ENTRY_ORDER = ("complaint", "diagnosis", "medicine", "lab_test", "advice")
# input column -> the item fields it yields
COLUMN_FIELDS = {"complaints": ("complaint",), "diagnoses": ("diagnosis",),
                 "medicines": ("medicine", "brand", "molecule"), "lab_tests": ("lab_test",), "advice": ("advice",)}
AGE_BANDS = ((0, 5, "0-4"), (5, 12, "5-11"), (12, 18, "12-17"), (18, 40, "18-39"), (40, 60, "40-59"), (60, 200, "60+"))


def age_band(age) -> str:
    if age is None or (isinstance(age, float) and math.isnan(age)):
        return "?"
    for lo, hi, name in AGE_BANDS:
        if lo <= int(age) < hi:
            return name
    return "?"


def normalise_vocab(text: str | None) -> str:
    """Lab tests and advice: trimmed, single-spaced, lower-case."""
    return " ".join(str(text or "").split()).lower()


def _relation_sql(con: duckdb.DuckDBPyConnection, source) -> str:
    """A SQL FROM-clause for ``source`` (path, DataFrame or relation name)."""
    if isinstance(source, pd.DataFrame):
        con.register("_rx_input_df", source)
        return "_rx_input_df"
    if isinstance(source, Path) or (isinstance(source, str) and Path(source).suffix.lower() in (".parquet", ".csv")):
        path = str(source).replace("'", "''")
        if path.lower().endswith(".csv"):
            return f"read_csv('{path}', header=true, all_varchar=true)"
        return f"read_parquet('{path}')"
    return str(source)


def _list_expr(con, rel: str, col: str) -> str:
    """A list column as VARCHAR[]: native lists (the mart, Parquet) or JSON-array text (CSV)."""
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    if types[col].endswith("[]"):
        return f"coalesce(CAST({col} AS VARCHAR[]), []::VARCHAR[])"
    return f"CASE WHEN {col} IS NULL OR trim({col}) = '' THEN []::VARCHAR[] ELSE from_json({col}, '[\"VARCHAR\"]') END"


def _quiet(con):
    con.execute("SET enable_progress_bar = false")


def load(con: duckdb.DuckDBPyConnection, source, catalogue: Mapping[str, list[str]] | pd.DataFrame | str | None = None
         ) -> dict:
    """Create ``rx`` (one row per prescription) and ``items`` (pid, field, value) in ``con``; returns sizes."""
    _quiet(con)
    rel = _relation_sql(con, source)
    cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise ValueError(f"input lacks required columns {missing}; see ml.prescriptions.data for the format")

    def opt(col: str, default: str = "NULL") -> str:
        return col if col in cols else default

    lists = ", ".join(f"{_list_expr(con, rel, c)} AS {c}" for c in LIST_COLUMNS)
    bands = " ".join(f"WHEN age < {hi} THEN '{name}'" for lo, hi, name in AGE_BANDS)
    con.execute(f"""
        CREATE OR REPLACE TABLE rx_in AS
        SELECT row_number() OVER (ORDER BY CAST(prescribed_at AS TIMESTAMP), CAST(prescription_id AS VARCHAR)) AS pid,
               CAST(prescription_id AS VARCHAR) AS prescription_id,
               CAST(doctor_id AS VARCHAR) AS doctor_id,
               coalesce(CAST({opt('patient_id')} AS VARCHAR), '?') AS patient_id,
               CAST(prescribed_at AS TIMESTAMP) AS prescribed_at,
               coalesce(CAST({opt('speciality')} AS VARCHAR), '?') AS speciality,
               TRY_CAST({opt('patient_age')} AS INTEGER) AS age,
               coalesce(CAST({opt('patient_gender')} AS VARCHAR), '?') AS gender,
               coalesce(CAST(notes AS VARCHAR), '') AS notes,
               {lists}
        FROM {rel}""")
    con.execute(f"""
        CREATE OR REPLACE TABLE rx AS
        SELECT pid, prescription_id, doctor_id, patient_id, prescribed_at, speciality, gender,
               CASE WHEN age IS NULL THEN '?' {bands} ELSE '?' END || ':' || gender AS agegender,
               CAST(month(prescribed_at) AS VARCHAR) AS month, notes,
               len(complaints) + len(diagnoses) + len(medicines) + len(lab_tests) + len(advice) = 0 AS is_empty
        FROM rx_in""")
    # complaint keys and medicine structure: Python on the distinct strings only
    raw_complaints = [r[0] for r in con.execute(
        "SELECT DISTINCT c FROM (SELECT unnest(complaints) AS c FROM rx_in) WHERE c IS NOT NULL").fetchall()]
    con.register("_ck", pd.DataFrame({"raw": raw_complaints, "key": [normalise_complaint(c) for c in raw_complaints]}))
    con.execute("CREATE OR REPLACE TABLE complaint_keys AS SELECT * FROM _ck")
    raw_meds = [r[0] for r in con.execute(
        "SELECT DISTINCT trim(m) FROM (SELECT unnest(medicines) AS m FROM rx_in) WHERE m IS NOT NULL").fetchall()]
    cat = _catalogue(con, catalogue)
    parsed = [parse_medicine(m, cat) for m in raw_meds]
    con.register("_mm", pd.DataFrame({
        "raw": raw_meds, "brand": [p.brand or p.raw.upper() for p in parsed],
        "molecule": ["+".join(p.molecules) if p.molecules else (p.brand or p.raw.upper()) for p in parsed],
        "parsed": [p.parsed for p in parsed]}))
    con.execute("CREATE OR REPLACE TABLE medicine_map AS SELECT * FROM _mm")
    con.execute("""
        CREATE OR REPLACE TABLE items AS
        WITH c AS (SELECT pid, unnest(complaints) AS raw FROM rx_in),
             m AS (SELECT pid, trim(unnest(medicines)) AS raw FROM rx_in)
        SELECT DISTINCT pid, 'complaint' AS field, k.key AS value, c.raw AS raw
            FROM c JOIN complaint_keys k USING (raw) WHERE k.key <> ''
        UNION ALL SELECT DISTINCT pid, 'diagnosis', upper(trim(d)), upper(trim(d))
            FROM (SELECT pid, unnest(diagnoses) AS d FROM rx_in) WHERE trim(d) <> ''
        UNION ALL SELECT DISTINCT pid, 'medicine', m.raw, m.raw FROM m
        UNION ALL SELECT DISTINCT pid, 'brand', mm.brand, mm.brand FROM m JOIN medicine_map mm USING (raw)
        UNION ALL SELECT DISTINCT pid, 'molecule', mm.molecule, mm.molecule FROM m JOIN medicine_map mm USING (raw)
        UNION ALL SELECT DISTINCT pid, 'lab_test', lower(trim(regexp_replace(l, '\\s+', ' ', 'g'))), trim(l)
            FROM (SELECT pid, unnest(lab_tests) AS l FROM rx_in) WHERE trim(l) <> ''
        UNION ALL SELECT DISTINCT pid, 'advice', lower(trim(regexp_replace(a, '\\s+', ' ', 'g'))), trim(a)
            FROM (SELECT pid, unnest(advice) AS a FROM rx_in) WHERE trim(a) <> ''
    """)
    con.execute("DROP TABLE rx_in")
    n_rx, n_empty = con.execute("SELECT count(*), count(*) FILTER (is_empty) FROM rx").fetchone()
    return {"prescriptions": n_rx, "empty": n_empty, "items": con.execute("SELECT count(*) FROM items").fetchone()[0],
            "unparsed_medicines": int(sum(not p.parsed for p in parsed))}


def _catalogue(con, catalogue) -> dict[str, list[str]] | None:
    if catalogue is None:
        return None
    if isinstance(catalogue, Mapping):
        return {str(k).upper(): list(v) for k, v in catalogue.items()}
    rel = _relation_sql(con, catalogue)
    cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    mol = _list_expr(con, rel, "molecules")
    out: dict[str, list[str]] = {}
    for keycol in [c for c in ("brand", "name") if c in cols]:  # names override brands
        for key, mols in con.execute(f"SELECT upper(trim({keycol})), {mol} FROM {rel}").fetchall():
            if key and mols:
                out[key] = [m.upper() for m in mols]
    return out


def note_token_sql(column: str = "notes") -> str:
    """SQL splitting notes into raw lower-case tokens (stemming joins a Python-built map)."""
    return f"regexp_split_to_array(lower({column}), '[^a-z]+')"


def build_note_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """``note_tokens(pid, token, n)``: stemmed note tokens per prescription (stop words out)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _raw_tokens AS
        SELECT pid, w FROM (SELECT pid, unnest({note_token_sql()}) AS w FROM rx WHERE notes <> '')
        WHERE length(w) > 1""")
    words = [r[0] for r in con.execute("SELECT DISTINCT w FROM _raw_tokens").fetchall()]
    words = [w for w in words if w not in STOP_WORDS]
    con.register("_stems", pd.DataFrame({"w": words, "token": [_stem(w) for w in words]}))
    con.execute("""CREATE OR REPLACE TABLE note_tokens AS
        SELECT pid, token, count(*) AS n FROM _raw_tokens JOIN _stems USING (w) GROUP BY ALL""")
    con.execute("DROP TABLE _raw_tokens")
