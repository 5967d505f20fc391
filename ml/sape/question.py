"""Trained question classifier: n-gram TF-IDF + linear SVM (the write-up's upgrade over the dictionary)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC

from ml.sape.text import sentence_vectorizer


class QuestionClassifier(ClassifierMixin, BaseEstimator):
    """``fit(sentences, is_question)``; ``predict(sentences)`` -> bool array."""

    def __init__(self, C: float = 0.5, random_state: int = 0):
        self.C = C
        self.random_state = random_state

    def fit(self, X, y):
        self.vectorizer_ = sentence_vectorizer().fit(list(X))
        self.svm_ = LinearSVC(C=self.C, random_state=self.random_state).fit(
            self.vectorizer_.transform(list(X)), np.asarray(y, dtype=bool))
        self.classes_ = self.svm_.classes_
        return self

    def predict(self, X) -> np.ndarray:
        return self.svm_.predict(self.vectorizer_.transform(list(X))).astype(bool)
