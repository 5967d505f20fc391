"""Behavioural cohorts: KMeans on scaled behavioural features, k chosen by silhouette.

Features (from marts.dim_customers, registered customers): log-scaled activity,
orders, spend, consultations, lab bookings, appointments, notification and
content CTRs, recency. Pipeline: log1p for counts -> StandardScaler -> KMeans.

Choosing k: fit KMeans for every k in ``k_range`` and keep the one with the
highest mean silhouette coefficient (computed on a seeded sample of at most
``silhouette_sample`` rows, so it stays cheap at a million customers). Ties go
to the smaller k.

Cohort ids are ordered by size (0 = largest) so they stay comparable across daily
retrainings. Profiles: per cohort the mean of every raw feature and its z-score against the
population; ``names_`` describe each cohort by its two most distinctive features
(e.g. "high orders, high spend", "low activity, high recency_days") so a marketer
can name it properly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

FEATURES = (
    "n_active_days", "n_events", "n_orders", "total_spend", "n_consultations", "n_lab_bookings",
    "n_appointments", "notification_ctr", "content_ctr", "days_since_last_activity", "n_categories_bought",
)
LOG_FEATURES = ("n_active_days", "n_events", "n_orders", "total_spend", "n_consultations", "n_lab_bookings",
                "n_appointments", "n_categories_bought")


def feature_frame(customers: pd.DataFrame) -> pd.DataFrame:
    """The model's input from dim_customers rows (missing rates -> 0)."""
    X = customers.loc[:, list(FEATURES)].astype(float).fillna(0.0)
    for c in LOG_FEATURES:
        X[c] = np.log1p(X[c].clip(lower=0))
    return X


class BehaviouralCohorts(BaseEstimator, ClusterMixin):
    def __init__(self, k_range=(3, 4, 5, 6, 7, 8), silhouette_sample: int = 5000, fit_sample: int = 50_000,
                 random_state: int = 0):
        self.k_range = k_range
        self.silhouette_sample = silhouette_sample
        self.fit_sample = fit_sample
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y=None):
        X = pd.DataFrame(X).astype(float)
        self.feature_names_in_ = np.array(X.columns, dtype=object)
        self.scaler_ = StandardScaler().fit(X)
        Z_all = self.scaler_.transform(X)
        rng = np.random.default_rng(self.random_state)
        fit_rows = rng.choice(len(Z_all), size=min(len(Z_all), self.fit_sample), replace=False)
        Z = Z_all[np.sort(fit_rows)]
        sample = rng.choice(len(Z), size=min(len(Z), self.silhouette_sample), replace=False)
        self.silhouettes_ = {}
        best = None
        for k in self.k_range:
            if k >= len(Z):
                continue
            km = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(Z)
            labels = km.labels_[sample]
            score = silhouette_score(Z[sample], labels) if len(set(labels)) > 1 else -1.0
            self.silhouettes_[k] = float(score)
            if best is None or score > best[0] + 1e-12:
                best = (score, k, km)
        if best is None:
            raise ValueError(f"need more than {min(self.k_range)} customers to cluster")
        self.silhouette_, self.n_clusters_, self.kmeans_ = best
        # cohort ids by decreasing size (0 = largest), so ids mean roughly the same across retrainings
        sizes = np.bincount(self.kmeans_.labels_, minlength=self.n_clusters_)
        self.relabel_ = np.empty(self.n_clusters_, dtype=int)
        self.relabel_[np.argsort(-sizes, kind="stable")] = np.arange(self.n_clusters_)
        self.labels_ = self.relabel_[self.kmeans_.predict(Z_all)]
        self._profile(X)
        return self

    def predict(self, X):
        return self.relabel_[self.kmeans_.predict(self.scaler_.transform(pd.DataFrame(X).astype(float)))]

    def _profile(self, X: pd.DataFrame) -> None:
        means = X.groupby(self.labels_).mean()
        z = (means - X.mean()) / X.std(ddof=0).replace(0, 1)
        sizes = pd.Series(self.labels_).value_counts().sort_index()
        self.profiles_ = means.assign(size=sizes, share=sizes / sizes.sum())
        self.zscores_ = z
        names = {}
        for cohort, row in z.iterrows():
            top = row.abs().sort_values(ascending=False).index[:2]
            names[cohort] = ", ".join(f"{'high' if row[f] > 0 else 'low'} {f}" for f in top)
        self.names_ = names
