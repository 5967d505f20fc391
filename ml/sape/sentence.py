"""Binary sentence classifiers for Subjective, Assessment and Planning (one per category).

One TF-IDF vectoriser (word + character n-grams) shared by three logistic regressions: a sentence may be
accepted by none of them (small talk, etiquette) and, rarely, by more than one.

**Imbalance.** On real clinical dialogue about 88% of doctor sentences are Subjective; at the default 0.5
threshold an unweighted logistic regression found almost none of the Assessment and Planning sentences
(positive-class F1 0.02) although it ranked them well (ROC AUC 0.71-0.78). So each classifier is fitted
with ``class_weight="balanced"``, which puts the operating point with the best balanced accuracy near 0.5:
the default ``threshold=0.5``. ``threshold="tune"`` chooses it instead on a seeded validation split
(``validation_share`` of the sentences, best balanced accuracy, then refit on every sentence); on small
label sets that moved thresholds on a few dozen positives and lost balanced accuracy (P on 200
section-labelled consultations fell below the balanced reference, :mod:`ml.sape.baseline`), and tuning
for positive-class F1 accepted nearly every sentence of the 88% S class (balanced accuracy 0.55 on a
public corpus). ``imbalance_`` records, per category, the positive share and the threshold with how it
was chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score

from ml.sape.text import sentence_vectorizer

SAP = ("S", "A", "P")
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


class SentenceCategoryClassifier(ClassifierMixin, BaseEstimator):
    """``fit(sentences, categories)`` with categories in S/A/P/E/None; ``predict`` -> (n, 3) bool (S, A, P).

    A category with no (or only) positive sentences gets no model: it accepts nothing, and ``skipped_``
    says why.
    """

    def __init__(self, C: float = 4.0, threshold: float | str = 0.5, class_weight: str | None = "balanced",
                 validation_share: float = 0.2, random_state: int = 0):
        self.C = C
        self.threshold = threshold
        self.class_weight = class_weight
        self.validation_share = validation_share
        self.random_state = random_state

    def _model(self):
        return LogisticRegression(C=self.C, max_iter=2000, class_weight=self.class_weight,
                                  random_state=self.random_state)

    def fit(self, X, y):
        X = list(X)
        y = np.array([c if isinstance(c, str) else "" for c in y], dtype=object)
        self.vectorizer_ = sentence_vectorizer().fit(X)
        M = self.vectorizer_.transform(X)
        rng = np.random.default_rng(self.random_state)
        validation = rng.random(len(X)) < self.validation_share
        self.models_, self.thresholds_, self.imbalance_, self.skipped_ = {}, {}, {}, {}
        for c in SAP:
            yc = y == c
            if yc.all() or not yc.any():
                self.skipped_[c] = f"no sentence labelled {c}" if not yc.any() else f"every sentence labelled {c}"
                self.models_[c], self.thresholds_[c] = None, 1.0
                continue
            record = {"positive_share": round(float(yc.mean()), 4), "class_weight": self.class_weight}
            threshold = 0.5 if self.threshold == "tune" else float(self.threshold)
            yt, yv = yc[~validation], yc[validation]
            if self.threshold == "tune" and yv.any() and not yv.all() and yt.any() and not yt.all():
                p = self._model().fit(M[~validation], yt).predict_proba(M[validation])[:, 1]
                ba = [balanced_accuracy_score(yv, p >= t) for t in THRESHOLDS]
                best = np.flatnonzero(np.isclose(ba, max(ba)))  # ties: the middle of the best range
                threshold = float(THRESHOLDS[best[len(best) // 2]])
                record.update(chosen_by=f"best balanced accuracy on a {self.validation_share:.0%} validation split",
                              validation_sentences=int(validation.sum()),
                              validation_balanced_accuracy_at_0_5=round(float(ba[list(THRESHOLDS).index(0.5)]), 4),
                              validation_balanced_accuracy_at_threshold=round(float(max(ba)), 4),
                              validation_f1_at_threshold=round(float(f1_score(yv, p >= threshold, zero_division=0)), 4))
            else:
                record["chosen_by"] = ("fixed (balanced class weights: best balanced accuracy near 0.5)"
                                       if self.threshold != "tune" else "0.5 (too few sentences to tune)")
            record["threshold"] = threshold
            self.models_[c], self.thresholds_[c] = self._model().fit(M, yc), threshold
            self.imbalance_[c] = record
        self.classes_ = np.array(SAP)
        return self

    def transform(self, X):
        """TF-IDF rows; each distinct sentence is vectorised once ("ok dok", "iya dok" repeat a lot in chats)."""
        codes, uniques = pd.factorize(pd.Series(list(X), dtype=object))
        return self.vectorizer_.transform(list(uniques))[codes]

    def predict_proba_matrix(self, M) -> np.ndarray:
        """P(category) for an already vectorised matrix, columns S, A, P (0 for a category without model)."""
        return np.column_stack([self.models_[c].predict_proba(M)[:, 1] if self.models_[c] is not None
                                else np.zeros(M.shape[0]) for c in SAP])

    def accept_matrix(self, M) -> np.ndarray:
        """(n, 3) bool for an already vectorised matrix, each category at its own threshold."""
        return self.predict_proba_matrix(M) >= np.array([self.thresholds_[c] for c in SAP])

    def predict(self, X) -> np.ndarray:
        return self.accept_matrix(self.transform(X))
