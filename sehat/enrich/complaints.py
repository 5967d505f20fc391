"""Text normalisation: complaint keys and note tokens.

``normalise_complaint("Right lung is paining") == normalise_complaint("pain in right lung") == "lung pain right"``:
lower-case, split on anything that is not a letter, drop stop words and numbers
(durations such as "since 3 days" carry no clinical concept), stem with the
Snowball English stemmer, de-duplicate and sort. The same function fills
``enriched.complaint_keys`` before ``dbt build`` and runs at training and at
suggestion time, so keys always agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

# scikit-learn's English list minus words that carry clinical meaning, plus
# duration words and Indonesian fillers doctors type.
_KEEP = frozenset({"right", "left", "back", "side", "full", "fire", "cry", "down", "up", "over", "under",
                   "bottom", "top", "front", "behind", "after", "before", "while"})
_EXTRA = frozenset({"since", "day", "days", "week", "weeks", "month", "months", "times", "x", "d", "hari",
                    "bulan", "yang", "dan", "di", "sejak", "pt", "patient", "c", "o", "h"})


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return (frozenset(ENGLISH_STOP_WORDS) - _KEEP) | _EXTRA


STOP_WORDS: frozenset[str] = _stop_words()
_SPLIT = re.compile(r"[^a-z]+")
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def tokens(text: str | None) -> list[str]:
    """Lower-cased alphabetic tokens, stop words removed, stemmed (in text order, with repeats)."""
    if not text:
        return []
    return [_stem(w) for w in _SPLIT.split(str(text).lower()) if len(w) > 1 and w not in STOP_WORDS]


@lru_cache(maxsize=200_000)
def normalise_complaint(text: str | None) -> str:
    """The complaint key: sorted unique stemmed tokens joined by one space ('' when nothing is left)."""
    return " ".join(sorted(set(tokens(text))))


def note_tokens(text: str | None) -> list[str]:
    """Tokens of a free-text note for the Naive Bayes models (stemmed, stop words out, repeats kept)."""
    return tokens(text)
