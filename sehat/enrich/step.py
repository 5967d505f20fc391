"""The enrichment step: lookup tables ``enriched.*`` written before ``dbt build``.

What SQL cannot do well (parse a medicine string, stem a complaint, walk the ICD-10 tree) is done
here in Python, on the DISTINCT raw strings only, and written as three plain tables that the dbt
project reads as the source ``enriched`` (``models/staging/enriched/``). Plain tables, so any
engine reads them: DuckDB directly, Spark through the Parquet lake (:mod:`sehat.lake`); dbt has no
Python models and never imports ``ml/``.

* ``enriched.medicines_parsed``: one row per distinct medicine string: brand, strength, form,
  pack, molecules (from the production catalogue when the string names a catalogue medicine);
  never drops a string (unparseable ones have ``is_parsed = false`` and ``parse_problems``).
* ``enriched.complaint_keys``: one row per distinct complaint string and its normalised key.
* ``enriched.diagnoses_described``: one row per distinct code (written on a prescription or in
  the alternative-names seed): validity, WHO description, parent chain.

The strings come from every row of ``raw.prod_prescriptions`` (a superset of the latest versions
dbt keeps; the intermediate models keep the rows their prescriptions use). Idempotent: the tables
are replaced in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import duckdb
import pandas as pd

from sehat.config import DBT_PROJECT_DIR
from sehat.enrich import diagnoses as icd
from sehat.enrich.complaints import normalise_complaint
from sehat.enrich.medicines import parse_medicine

log = logging.getLogger(__name__)

ALTERNATIVE_NAMES = DBT_PROJECT_DIR / "seeds" / "prescriptions" / "diagnosis_alternative_names.csv"

# column -> DuckDB type of each table (also what an empty table is created with)
SCHEMAS: dict[str, dict[str, str]] = {
    "medicines_parsed": {
        "medicine_raw": "VARCHAR", "brand": "VARCHAR", "brand_display": "VARCHAR", "variant": "VARCHAR",
        "strength": "VARCHAR", "strength_value": "DOUBLE", "strength_unit": "VARCHAR", "form": "VARCHAR",
        "pack_quantity": "DOUBLE", "pack_unit": "VARCHAR", "pack_count": "BIGINT", "molecules": "VARCHAR[]",
        "is_parsed": "BOOLEAN", "parse_problems": "VARCHAR[]",
    },
    "complaint_keys": {"complaint_raw": "VARCHAR", "complaint_key": "VARCHAR"},
    "diagnoses_described": {
        "diagnosis_code": "VARCHAR", "is_valid_code": "BOOLEAN", "description": "VARCHAR",
        "category_code": "VARCHAR", "block_code": "VARCHAR", "chapter_code": "VARCHAR",
        "parent_chain": "VARCHAR[]",
    },
}


def enrich_warehouse(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Write the ``enriched.*`` lookup tables from the raw layer; return rows per table."""
    frames = {
        "medicines_parsed": parsed_medicines(_distinct_items(con, "medicines"), _catalogue(con)),
        "complaint_keys": complaint_keys(_distinct_items(con, "complaints")),
        "diagnoses_described": described_diagnoses(
            _distinct_items(con, "diagnoses")
            + [r[0] for r in duckdb.sql(f"SELECT code FROM read_csv('{ALTERNATIVE_NAMES}', all_varchar = true)").fetchall()]
        ),
    }
    con.execute("BEGIN")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS enriched")
        for table, frame in frames.items():
            columns = SCHEMAS[table]
            con.register("_enriched_frame", frame)
            select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns.items())
            con.execute(f"CREATE OR REPLACE TABLE enriched.{table} AS SELECT {select} FROM _enriched_frame"
                        f" ORDER BY 1")
            con.unregister("_enriched_frame")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    counts = {table: len(frame) for table, frame in frames.items()}
    log.info("enriched lookup tables: %s", counts)
    return counts


# --------------------------------------------------------------------------- reading the raw layer


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                            [schema, table]).fetchone())


def _distinct_items(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    """Distinct entries of one JSON-list column of raw.prod_prescriptions, trimmed and single-spaced
    (as int_prescription_items_unnested writes them)."""
    if not _has_table(con, "raw", "prod_prescriptions"):
        return []
    rows = con.execute(f"""
        SELECT DISTINCT value FROM (
            SELECT trim(regexp_replace(unnest(from_json(CAST("{column}" AS VARCHAR), '["VARCHAR"]')), '\\s+', ' ', 'g'))
                AS value
            FROM raw.prod_prescriptions WHERE "{column}" IS NOT NULL
        ) WHERE value IS NOT NULL AND value <> '' ORDER BY value""").fetchall()
    return [r[0] for r in rows]


def _catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The latest row of each catalogue medicine (as stg_production__medicines keeps it)."""
    if not _has_table(con, "raw", "prod_medicines"):
        return {}
    rows = con.execute("""
        SELECT name, brand, from_json(CAST(molecules AS VARCHAR), '["VARCHAR"]')
        FROM raw.prod_medicines
        QUALIFY row_number() OVER (PARTITION BY medicine_id ORDER BY CAST(_extracted_at AS TIMESTAMP) DESC NULLS LAST,
                                   CAST(updated_at AS TIMESTAMP) DESC NULLS LAST) = 1""").fetchall()
    return catalogue_map([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


# --------------------------------------------------------------------------- the lookups


def complaint_keys(raw: Iterable[str]) -> pd.DataFrame:
    """complaint_raw -> complaint_key (lower-case, stop words out, stemmed, sorted; '' when nothing is left)."""
    raw = [r for r in raw if r is not None]
    return pd.DataFrame({"complaint_raw": pd.Series(raw, dtype="object"),
                         "complaint_key": pd.Series([normalise_complaint(r) for r in raw], dtype="object")})


def catalogue_map(names: Iterable[str | None], brands: Iterable[str | None],
                  molecules: Iterable[Iterable[str] | None]) -> dict[str, list[str]]:
    """Catalogue rows -> {upper-case full string or brand: molecules}; full strings override brands."""
    rows = list(zip(names, brands, molecules))
    out: dict[str, list[str]] = {}
    for key_index in (1, 0):
        for row in rows:
            key, mols = row[key_index], row[2]
            if key and mols is not None and len(mols):
                out[" ".join(str(key).upper().split())] = [str(m).upper() for m in mols]
    return out


def parsed_medicines(raw: Iterable[str], catalogue: Mapping[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per distinct medicine string: brand, strength, form, pack, molecules; never drops a string."""
    raw = [r for r in raw if r is not None]
    parsed = [parse_medicine(r, catalogue) for r in raw]
    return pd.DataFrame({
        "medicine_raw": raw,
        "brand": [p.brand for p in parsed],
        "brand_display": [p.brand_display for p in parsed],
        "variant": [p.variant for p in parsed],
        "strength": [p.strength for p in parsed],
        "strength_value": pd.Series([p.strength_value for p in parsed], dtype="Float64"),
        "strength_unit": [p.strength_unit for p in parsed],
        "form": [p.form for p in parsed],
        "pack_quantity": pd.Series([p.pack_quantity for p in parsed], dtype="Float64"),
        "pack_unit": [p.pack_unit for p in parsed],
        "pack_count": pd.Series([p.pack_count for p in parsed], dtype="Int64"),
        "molecules": [list(p.molecules) for p in parsed],
        "is_parsed": [bool(p.parsed) for p in parsed],
        "parse_problems": [list(p.problems) for p in parsed],
    })


def described_diagnoses(codes: Iterable[str]) -> pd.DataFrame:
    """One row per distinct (upper-cased, trimmed) code: validity, WHO description, parent chain."""
    codes = sorted({str(c).strip().upper() for c in codes if c is not None and str(c).strip()})
    chains = [list(icd.parents(c)) for c in codes]

    def at(chain: list[str], i: int) -> str | None:
        return chain[i] if len(chain) > i else None

    # a three-character code (I10) has no category above it: block, chapter
    cats = [at(ch, 0) if "." in c else c for c, ch in zip(codes, chains)]
    offset = [1 if "." in c else 0 for c in codes]
    return pd.DataFrame({
        "diagnosis_code": codes,
        "is_valid_code": [icd.is_valid(c) for c in codes],
        "description": [icd.description(c) for c in codes],
        "category_code": [c if icd.is_valid(code) else None for c, code in zip(cats, codes)],
        "block_code": [at(ch, o) for ch, o in zip(chains, offset)],
        "chapter_code": [ch[-1] if ch else None for ch in chains],
        "parent_chain": chains,
    })
