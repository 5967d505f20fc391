"""The consultation-chat side of the contract: SAPE categories and how a message is cut into sentences.

SAPE scores a consultation on four categories (Subjective, Assessment, Planning,
Etiquette) of two subcategories each; a subcategory scores 0 or 0.5 and a
category the sum of its two. The label files (``data/labels/README.md``), the
label loader (``sehat.ingest.labels``), the SAPE models (``ml.sape``) and the
generator all use these names; sentences are cut by :func:`split_sentences`,
and the dbt model ``int_chat_sentences_split`` cuts them the same way in SQL.
"""

from __future__ import annotations

import re

SUBCATEGORIES: tuple[str, ...] = (
    "s_main_symptoms", "s_additional_symptoms",
    "a_differential_diagnosis", "a_possible_etiology",
    "p_lifestyle_modification", "p_medical_recommendation",
    "e_opening", "e_closing",
)
CATEGORIES: dict[str, tuple[str, str]] = {
    "S": ("s_main_symptoms", "s_additional_symptoms"),
    "A": ("a_differential_diagnosis", "a_possible_etiology"),
    "P": ("p_lifestyle_modification", "p_medical_recommendation"),
    "E": ("e_opening", "e_closing"),
}
CATEGORY_SCORES: tuple[str, ...] = tuple(f"{c.lower()}_score" for c in CATEGORIES)
"""Column names of the category scores in the label files: ``s_score``, ``a_score``, ``p_score``, ``e_score``."""

_BREAK = re.compile(r"([.!?]+)\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of a message: cut after ``.``/``!``/``?`` followed by white space, and at line breaks.

    The SQL twin (``int_chat_sentences_split``) is
    ``string_split(regexp_replace(body, '([.!?]+)\\s+', '\\1' || chr(10), 'g'), chr(10))``
    with each part trimmed and empty parts dropped.
    """
    return [s.strip() for s in _BREAK.sub(lambda m: m.group(1) + "\n", text).split("\n") if s.strip()]
