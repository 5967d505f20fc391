"""Input format and loading: any table of prescriptions -> DuckDB tables the models count on.

Input format (one row per prescription; Parquet, CSV, a DataFrame or a DuckDB relation):

=================  ==========================  =====================================================
column             type                        meaning
=================  ==========================  =====================================================
prescription_id    integer or text             unique id
doctor_id          integer or text             prescribing doctor
prescribed_at      timestamp (or ISO text)     when it was written (time split, recency weights)
complaints         list of text                free-text complaints ("pain in right lung")
diagnoses          list of text                ICD-10 codes ("E11.9"), SNOMED CT concept ids
                                               ("38341003") or free text ("viral fever");
                                               a code may carry its name ("E11.9 - Type 2 diabetes",
                                               "38341003 |Hypertensive disorder|")
medicines          list of text                catalogue strings ("DOLO 650MG TAB 8's")
lab_tests          list of text                lab test names
advice             list of text                advice lines
notes              text (nullable)             free-text notes (the column may be left out)
diagnosis_descriptions  list of text (optional)  display names, position by position with
                                               ``diagnoses`` (the prescription mart's column)
speciality         text (optional)             doctor's speciality
patient_age        integer (optional)          age in years at the prescription
patient_gender     text (optional)             M / F
patient_id         integer or text (optional)  the patient (their history is a feature)
=================  ==========================  =====================================================

In CSV files the list columns hold JSON arrays (``["fever since 3 days", "cough"]``).
Molecules come from a catalogue (``name``/``brand`` -> ``molecules``, or an optional ``composition``
text that gives them with strengths, ``Paracetamol (650mg)``): the
production ``medicines`` table in Sehat, or ``--catalogue`` on the command line;
without one, a medicine's brand stands in for its molecule.

:func:`prepare` is the loader the estimator is fed by: it turns any of the inputs above
(plus the catalogue and the doctor-input rules) into :class:`PrescriptionTables`, the
tables the model counts on, in a private in-memory DuckDB database.
``PrescriptionRecommender.fit(prepare(...))`` learns from them.
"""

from __future__ import annotations

import csv
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml.prescriptions.features import Query
from sehat.enrich.complaints import STOP_WORDS, _stem, normalise_complaint
from sehat.enrich.diagnoses import parse_diagnosis
from sehat.enrich.medicines import Catalogue, parse_medicine

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


def normalise_diagnosis(value) -> str:
    """A diagnosis as the model keys it: its code (ICD-10 upper-case, SNOMED CT id) without a display
    name written beside it; free text trimmed, single-spaced, upper-case."""
    d = parse_diagnosis(value)
    return " ".join(d.code.split()).upper()


def diagnosis_name(value, given: str | None = None) -> str | None:
    """The display name that came with a diagnosis value: the ``diagnosis_descriptions`` entry, else a
    name written beside the code, else the free text as written; None for a bare code."""
    d = parse_diagnosis(value)
    name = (given or "").strip() or d.display or (" ".join(d.code.split()) if d.system == "text" else None)
    return None if name is None or name.upper() == normalise_diagnosis(value) and d.system != "text" else name


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
    dx_names = _list_expr(con, rel, "diagnosis_descriptions") if "diagnosis_descriptions" in cols else "[]::VARCHAR[]"
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
               coalesce(CAST({opt('notes')} AS VARCHAR), '') AS notes,
               {lists}, {dx_names} AS diagnosis_descriptions
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
    # diagnoses: code system, key and display name (Python on the distinct (value, given name) pairs)
    con.execute("""CREATE OR REPLACE TEMP TABLE _dx_raw AS SELECT DISTINCT pid, d, n FROM (
        SELECT pid, unnest(diagnoses) AS d, unnest(diagnosis_descriptions[1:len(diagnoses)]) AS n FROM rx_in)
        WHERE d IS NOT NULL AND trim(d) <> ''""")
    pairs = con.execute("SELECT DISTINCT d, n FROM _dx_raw").fetchall()
    con.register("_dk", pd.DataFrame({"d": [d for d, _ in pairs], "n": [n for _, n in pairs],
                                      "key": [normalise_diagnosis(d) for d, _ in pairs],
                                      "name": [diagnosis_name(d, n) for d, n in pairs]}))
    con.execute("""CREATE OR REPLACE TEMP TABLE _dx_keys AS SELECT CAST(d AS VARCHAR) AS d, CAST(n AS VARCHAR) AS n,
                   CAST(key AS VARCHAR) AS key, CAST(name AS VARCHAR) AS name FROM _dk""")
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
        UNION ALL SELECT pid, 'diagnosis', k.key, any_value(coalesce(k.name, k.key))
            FROM _dx_raw r JOIN _dx_keys k ON r.d = k.d AND r.n IS NOT DISTINCT FROM k.n WHERE k.key <> '' GROUP BY ALL
        UNION ALL SELECT DISTINCT pid, 'medicine', m.raw, m.raw FROM m
        UNION ALL SELECT DISTINCT pid, 'brand', mm.brand, mm.brand FROM m JOIN medicine_map mm USING (raw)
        UNION ALL SELECT DISTINCT pid, 'molecule', mm.molecule, mm.molecule FROM m JOIN medicine_map mm USING (raw)
        UNION ALL SELECT DISTINCT pid, 'lab_test', lower(trim(regexp_replace(l, '\\s+', ' ', 'g'))), trim(l)
            FROM (SELECT pid, unnest(lab_tests) AS l FROM rx_in) WHERE trim(l) <> ''
        UNION ALL SELECT DISTINCT pid, 'advice', lower(trim(regexp_replace(a, '\\s+', ' ', 'g'))), trim(a)
            FROM (SELECT pid, unnest(advice) AS a FROM rx_in) WHERE trim(a) <> ''
    """)
    con.execute("DROP TABLE rx_in")
    con.execute("DROP TABLE _dx_raw")
    con.execute("DROP TABLE _dx_keys")
    n_rx, n_empty = con.execute("SELECT count(*), count(*) FILTER (is_empty) FROM rx").fetchone()
    return {"prescriptions": n_rx, "empty": n_empty, "items": con.execute("SELECT count(*) FROM items").fetchone()[0],
            "unparsed_medicines": int(sum(not p.parsed for p in parsed))}


RULES = ("always", "sometimes", "never")
RULE_COLUMNS = ("diagnosis_code", "field", "value", "rule")


def load_rules(source=None) -> list[dict] | None:
    """Doctor-input rules (diagnosis_code, field, value, always/sometimes/never) from a CSV/Parquet file,
    a DataFrame or a list of dicts; None when no source is given (the model's own ``rules_`` apply).

    In Sehat the rules are the dbt seed ``doctor_input_rules``, which dbt loads into the warehouse
    (``seeds.doctor_input_rules``); the daily job exports that table with the training snapshot and the
    fitted model carries the rules it was trained with. Nothing here reads the dbt project's files.
    """
    if source is None:
        return None
    if isinstance(source, pd.DataFrame):
        rows = source.to_dict("records")
    elif isinstance(source, (str, Path)):
        p = Path(source)
        if p.suffix.lower() == ".parquet":
            rows = pd.read_parquet(p).to_dict("records")
        else:
            with p.open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
    else:
        rows = [dict(r) for r in source]
    out = []
    for r in rows:
        if r.get("rule") not in RULES:
            raise ValueError(f"doctor input rule must be one of {RULES}, got {r.get('rule')!r}")
        out.append({c: str(r[c]) for c in RULE_COLUMNS})
    return out


@dataclass
class PrescriptionTables:
    """Prescriptions prepared for the recommender (made by :func:`prepare`).

    ``con`` is a private in-memory DuckDB database holding ``rx`` (one row per prescription,
    ``pid`` in time order), ``items`` (pid, field, value, raw), ``medicine_map`` and
    ``note_tokens``; the model reads them and writes only temporary tables of its own cursor.
    ``rules`` are the doctor-input rules that go with the data.
    """

    con: duckdb.DuckDBPyConnection
    summary: dict
    rules: list[dict] = field(default_factory=list)
    _scratch: tempfile.TemporaryDirectory | None = None

    def pids(self) -> np.ndarray:
        return np.array([r[0] for r in self.con.execute("SELECT pid FROM rx ORDER BY pid").fetchall()], np.int64)

    def queries(self, pids: Sequence[int] | np.ndarray | None = None) -> list[Query]:
        """The prescriptions ``pids`` (default: all) as :class:`Query` objects, in pid order."""
        con = self.con.cursor()
        try:
            con.register("_vp", pd.DataFrame({"pid": self.pids() if pids is None else np.asarray(pids, np.int64)}))
            rx = con.execute("""SELECT pid, doctor_id, patient_id, speciality, agegender, month FROM rx
                                JOIN _vp USING (pid) ORDER BY pid""").fetchall()
            qs = {p: Query(doctor=d, patient=u, speciality=s, agegender=a, month=m) for p, d, u, s, a, m in rx}
            for p, f, v in con.execute("SELECT pid, field, value FROM items JOIN _vp USING (pid)").fetchall():
                qs[p].items.setdefault(f, []).append(v)
            for p, tok, cnt in con.execute("SELECT pid, token, n FROM note_tokens JOIN _vp USING (pid)").fetchall():
                qs[p].tokens += [tok] * int(cnt)
        finally:
            con.close()
        return [qs[p] for p in sorted(qs)]

    def limit_memory(self, memory_limit: str | None) -> None:
        """Make DuckDB spill to a scratch directory (kept until :meth:`close`) beyond ``memory_limit``."""
        if not memory_limit:
            return
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")
        if self._scratch is None:  # DuckDB cannot switch the directory once it has spilled there
            self._scratch = tempfile.TemporaryDirectory(prefix="rx_data_")
            self.con.execute(f"SET temp_directory = '{self._scratch.name}'")

    def close(self) -> None:
        self.con.close()
        if self._scratch is not None:
            self._scratch.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def prepare(source, catalogue=None, rules=None, memory_limit: str | None = None) -> PrescriptionTables:
    """Load prescriptions (path, DataFrame or Arrow-like table in the input format) into
    :class:`PrescriptionTables`. ``memory_limit`` (e.g. ``"3GB"``) makes DuckDB spill to a scratch
    directory beyond it, for training on millions of prescriptions."""
    tables = PrescriptionTables(duckdb.connect(), {}, load_rules(rules) or [])
    try:
        tables.limit_memory(memory_limit)
        tables.summary = load(tables.con, source, catalogue)
        build_note_tokens(tables.con)
    except Exception:
        tables.close()
        raise
    return tables


def _catalogue(con, catalogue) -> Catalogue | None:
    """The catalogue the parser reads molecules from: columns ``name``, ``brand``, ``molecules`` (list) and,
    optionally, ``composition`` (``Amoxycillin (500mg) + Clavulanic Acid (125mg)``), which wins."""
    if catalogue is None or isinstance(catalogue, Catalogue):
        return catalogue
    if isinstance(catalogue, Mapping):
        return Catalogue.from_mapping(catalogue)
    rel = _relation_sql(con, catalogue)
    cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    select = ", ".join(c if c in cols else f"NULL AS {c}" for c in ("name", "brand", "composition"))
    mol = _list_expr(con, rel, "molecules") if "molecules" in cols else "[]::VARCHAR[]"
    out = Catalogue()
    for name, brand, composition, mols in con.execute(f"SELECT {select}, {mol} FROM {rel}").fetchall():
        out.add(name=name, brand=brand, molecules=mols, composition=composition)
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
