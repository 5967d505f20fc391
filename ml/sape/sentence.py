"""Binary sentence classifiers for Subjective, Assessment and Planning (one per category).

One TF-IDF vectoriser (word + character n-grams) shared by three logistic regressions: a sentence may be
accepted by none of them (small talk, etiquette) and, rarely, by more than one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from ml.sape.text import sentence_vectorizer

SAP = ("S", "A", "P")


class SentenceCategoryClassifier(ClassifierMixin, BaseEstimator):
    """``fit(sentences, categories)`` with categories in S/A/P/E/None; ``predict`` -> (n, 3) bool (S, A, P)."""

    def __init__(self, C: float = 4.0, threshold: float = 0.5, random_state: int = 0):
        self.C = C
        self.threshold = threshold
        self.random_state = random_state

    def fit(self, X, y):
        X = list(X)
        y = np.array([c if isinstance(c, str) else "" for c in y], dtype=object)
        self.vectorizer_ = sentence_vectorizer().fit(X)
        M = self.vectorizer_.transform(X)
        self.models_ = {c: LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state)
                        .fit(M, y == c) for c in SAP}
        self.classes_ = np.array(SAP)
        return self

    def transform(self, X):
        """TF-IDF rows; each distinct sentence is vectorised once ("ok dok", "iya dok" repeat a lot in chats)."""
        codes, uniques = pd.factorize(pd.Series(list(X), dtype=object))
        return self.vectorizer_.transform(list(uniques))[codes]

    def predict_proba_matrix(self, M) -> np.ndarray:
        """P(category) for an already vectorised matrix, columns S, A, P."""
        return np.column_stack([self.models_[c].predict_proba(M)[:, 1] for c in SAP])

    def predict(self, X) -> np.ndarray:
        return self.predict_proba_matrix(self.transform(X)) >= self.threshold
