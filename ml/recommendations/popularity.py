"""The baseline: recommend the most bought items the customer has not bought yet."""

from __future__ import annotations

import pandas as pd
from sklearn.base import BaseEstimator


class PopularityRecommender(BaseEstimator):
    """``fit(interactions)`` with columns customer, item; ``recommend(customers, k)``."""

    def __init__(self, exclude_seen: bool = False):
        self.exclude_seen = exclude_seen

    def fit(self, interactions: pd.DataFrame, y=None):
        counts = interactions.groupby("item")["customer"].nunique().sort_values(ascending=False, kind="stable")
        self.ranking_ = list(counts.index)
        self.seen_ = interactions.groupby("customer")["item"].agg(set).to_dict()
        return self

    def recommend(self, customers, k: int = 10) -> dict:
        out = {}
        for c in customers:
            seen = self.seen_.get(c, set()) if self.exclude_seen else set()
            out[c] = [i for i in self.ranking_ if i not in seen][:k]
        return out
