"""The dictionary approach: rules, no training (the baseline of the write-up).

* :class:`DictionaryQuestionClassifier`: a sentence is a question when it has "?" or starts with /
  contains a question word (what, how, apa, berapa, kapan, ...). Misses questions without "?" and no
  question word, and fires on statements with "?" or question words ("saya jelaskan apa penyebabnya").
* :class:`EtiquetteDictionary`: opening 0.5 when the doctor's first message holds a greeting phrase,
  closing 0.5 when the doctor's last message holds a closing phrase. This is how Etiquette is scored
  in production too (the write-up's choice; sentence classifiers are for S, A and P).

Both follow the estimator contract (``fit`` learns nothing and returns self) so they sit in the same
evaluation code as trained models.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

QUESTION_WORDS = (
    "what", "how", "when", "where", "why", "which", "who", "whom", "whose", "do you", "did you", "are you",
    "is it", "is there", "any", "can you", "could you", "have you",
    "apa", "apakah", "berapa", "kapan", "bagaimana", "gimana", "kenapa", "mengapa", "dimana", "di mana",
    "siapa", "mana", "sudahkah", "bisakah", "bolehkah", "adakah",
)
OPENING_PHRASES = (
    "halo", "hallo", "hello", "hi ", "hai", "selamat pagi", "selamat siang", "selamat sore", "selamat malam",
    "good morning", "good afternoon", "good evening", "good day", "assalamualaikum", "salam kenal",
    "perkenalkan", "nice to meet", "thank you for consulting",
)
CLOSING_PHRASES = (
    "semoga lekas sembuh", "semoga cepat sembuh", "get well soon", "take care", "good bye", "goodbye", "bye",
    "sehat selalu", "gws", "speedy recovery", "sampai jumpa", "jaga kesehatan",
)


def _pattern(phrases: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?:^|\W)(?:" + "|".join(re.escape(p.strip()) for p in phrases) + r")(?:\W|$)")


class DictionaryQuestionClassifier(ClassifierMixin, BaseEstimator):
    """Question if the text contains "?" or a question word (``words``; default :data:`QUESTION_WORDS`)."""

    def __init__(self, words: tuple[str, ...] | None = None):
        self.words = words

    def fit(self, X, y=None):
        self.pattern_ = _pattern(self.words or QUESTION_WORDS)
        self.classes_ = np.array([False, True])
        return self

    def predict(self, X) -> np.ndarray:
        pattern = getattr(self, "pattern_", None) or _pattern(self.words or QUESTION_WORDS)
        return np.array([("?" in s) or bool(pattern.search(s.lower())) for s in X], dtype=bool)


class EtiquetteDictionary(BaseEstimator):
    """Scores (opening, closing) from the first and last doctor message of each consultation."""

    def __init__(self, opening: tuple[str, ...] | None = None, closing: tuple[str, ...] | None = None):
        self.opening = opening
        self.closing = closing

    def fit(self, X=None, y=None):
        self.opening_ = _pattern(self.opening or OPENING_PHRASES)
        self.closing_ = _pattern(self.closing or CLOSING_PHRASES)
        return self

    def predict(self, first_doctor_messages, last_doctor_messages) -> np.ndarray:
        """Array (n, 2) of 0 / 0.5: opening, closing."""
        if not hasattr(self, "opening_"):
            self.fit()
        opening = [0.5 * bool(self.opening_.search(" " + (t or "").lower() + " ")) for t in first_doctor_messages]
        closing = [0.5 * bool(self.closing_.search(" " + (t or "").lower() + " ")) for t in last_doctor_messages]
        return np.column_stack([opening, closing]).astype(float)
