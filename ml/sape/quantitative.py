"""The quantitative approach: consultation-level features -> category score (0 / 0.5 / 1.0).

Decision tree, gradient boosting or a small neural network, behind an optional oversampler from
imbalanced-learn (random oversampling, SMOTE, SVM-SMOTE) because the scores are imbalanced. The
write-up's finding - the feature distributions per score overlap, so these models barely beat the
majority class - is what :mod:`ml.sape.evaluate` reproduces.
"""

from __future__ import annotations

import numpy as np
from imblearn.over_sampling import SMOTE, SVMSMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

MODELS = ("decision_tree", "gradient_boosting", "mlp")
SAMPLERS = ("none", "random", "smote", "svm_smote")


class QuantitativeScorer(ClassifierMixin, BaseEstimator):
    """``fit(features, scores)`` for one category; ``predict`` -> scores (as strings '0.0', '0.5', '1.0')."""

    def __init__(self, model: str = "gradient_boosting", sampler: str = "random", random_state: int = 0):
        self.model = model
        self.sampler = sampler
        self.random_state = random_state

    def _estimator(self):
        rs = self.random_state
        return {
            "decision_tree": lambda: DecisionTreeClassifier(max_depth=6, min_samples_leaf=20, random_state=rs),
            "gradient_boosting": lambda: HistGradientBoostingClassifier(max_iter=100, learning_rate=0.05,
                                                                        random_state=rs),
            "mlp": lambda: MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=300, early_stopping=True,
                                         random_state=rs),
        }[self.model]()

    def _sampler(self):
        rs = self.random_state
        return {"none": lambda: None, "random": lambda: RandomOverSampler(random_state=rs),
                "smote": lambda: SMOTE(random_state=rs), "svm_smote": lambda: SVMSMOTE(random_state=rs)}[self.sampler]()

    def fit(self, X, y):
        steps = [("scale", StandardScaler())]
        if self.sampler != "none":
            steps.append(("sample", self._sampler()))
        steps.append(("model", self._estimator()))
        self.pipeline_ = Pipeline(steps).fit(np.asarray(X, dtype=float), np.asarray(y).astype(str))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict(self, X) -> np.ndarray:
        return self.pipeline_.predict(np.asarray(X, dtype=float))
