"""What the dbt Python models of the prescription mart call (on DISTINCT strings only).

``dbt_project/models/intermediate/prescriptions/*.py`` are thin: they select the
distinct raw strings in DuckDB and hand them to these functions, so the mart,
training and suggestions share one normaliser, one parser and one ICD-10 source.
Each function takes and returns a pandas DataFrame with the columns documented in
``_int_prescriptions__models.yml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from sehat.enrich import diagnoses as icd
from sehat.enrich.complaints import normalise_complaint
from sehat.enrich.medicines import parse_medicine


def complaint_keys(raw: Iterable[str]) -> pd.DataFrame:
    """complaint_raw -> complaint_key (lower-case, stop words out, stemmed, sorted; '' when nothing is left)."""
    raw = [r for r in raw if r is not None]
    return pd.DataFrame({"complaint_raw": pd.Series(raw, dtype="string"),
                         "complaint_key": pd.Series([normalise_complaint(r) for r in raw], dtype="string")})


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
        "medicine_raw": pd.Series(raw, dtype="string"),
        "brand": pd.Series([p.brand for p in parsed], dtype="string"),
        "brand_display": pd.Series([p.brand_display for p in parsed], dtype="string"),
        "variant": pd.Series([p.variant for p in parsed], dtype="string"),
        "strength": pd.Series([p.strength for p in parsed], dtype="string"),
        "strength_value": pd.Series([p.strength_value for p in parsed], dtype="Float64"),
        "strength_unit": pd.Series([p.strength_unit for p in parsed], dtype="string"),
        "form": pd.Series([p.form for p in parsed], dtype="string"),
        "pack_quantity": pd.Series([p.pack_quantity for p in parsed], dtype="Float64"),
        "pack_unit": pd.Series([p.pack_unit for p in parsed], dtype="string"),
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
        "diagnosis_code": pd.Series(codes, dtype="string"),
        "is_valid_code": [icd.is_valid(c) for c in codes],
        "description": pd.Series([icd.description(c) for c in codes], dtype="string"),
        "category_code": pd.Series([c if icd.is_valid(code) else None for c, code in zip(cats, codes)], dtype="string"),
        "block_code": pd.Series([at(ch, o) for ch, o in zip(chains, offset)], dtype="string"),
        "chapter_code": pd.Series([ch[-1] if ch else None for ch in chains], dtype="string"),
        "parent_chain": chains,
    })
