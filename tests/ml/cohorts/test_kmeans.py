"""Cohorts: k chosen by silhouette, profiles a marketer can read, the estimator contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from ml.cohorts.kmeans import FEATURES, BehaviouralCohorts, feature_frame


def _customers(seed=0, per=150):
    rng = np.random.default_rng(seed)
    base = {f: 0.0 for f in FEATURES}
    groups = [
        {"n_orders": 12, "total_spend": 2_000_000, "n_active_days": 20},  # big buyers
        {"n_consultations": 6, "n_lab_bookings": 3},  # care seekers
        {"days_since_last_activity": 80},  # lapsed
        {"content_ctr": 0.4, "notification_ctr": 0.3, "n_events": 300},  # engaged browsers
    ]
    rows = []
    for g in groups:
        for _ in range(per):
            row = dict(base)
            for f, v in g.items():
                row[f] = v * rng.uniform(0.8, 1.2)
            row["days_since_last_activity"] = row["days_since_last_activity"] or rng.uniform(0, 5)
            rows.append(row)
    return pd.DataFrame(rows)


def test_recovers_the_planted_groups_and_names_them():
    X = feature_frame(_customers())
    model = BehaviouralCohorts(k_range=(2, 3, 4, 5, 6), random_state=0).fit(X)
    assert model.n_clusters_ == 4
    assert max(model.silhouettes_, key=model.silhouettes_.get) == 4
    truth = np.repeat(np.arange(4), 150)
    # every planted group is one cohort
    for g in range(4):
        assert len(set(model.labels_[truth == g])) == 1
    names = " | ".join(model.names_.values())
    assert "high n_orders" in names or "high total_spend" in names
    assert "high days_since_last_activity" in names
    assert set(model.profiles_["size"]) == {150}
    assert (model.predict(X) == model.labels_).all()


def test_estimator_contract_and_seed():
    X = feature_frame(_customers(seed=1, per=40))
    a = BehaviouralCohorts(k_range=(3, 4), random_state=7)
    assert clone(a).get_params() == a.get_params() and not hasattr(a, "labels_")
    assert a.fit(X) is a
    b = BehaviouralCohorts(k_range=(3, 4), random_state=7).fit(X)
    assert (a.labels_ == b.labels_).all()


def test_fits_on_a_sample_and_assigns_everyone():
    X = feature_frame(_customers(seed=2, per=200))
    model = BehaviouralCohorts(k_range=(4,), fit_sample=300, random_state=0).fit(X)
    assert len(model.labels_) == len(X) and model.profiles_["size"].sum() == len(X)
