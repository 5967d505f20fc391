"""Offline evaluation on a time split: precision@k, recall@k, coverage.

Train on purchases before ``split_at``, test on purchases from ``split_at`` on, for
customers who bought in both periods. precision@k = hits / k, recall@k = hits /
|items bought in test|, averaged over customers; coverage = distinct items
recommended / catalogue items seen in training.
"""

from __future__ import annotations

import pandas as pd


def time_split(interactions: pd.DataFrame, split_at) -> tuple[pd.DataFrame, pd.DataFrame]:
    ts = pd.to_datetime(interactions["ts"])
    return interactions[ts < pd.Timestamp(split_at)], interactions[ts >= pd.Timestamp(split_at)]


def precision_recall_at_k(recommended: dict, truth: dict, k: int) -> tuple[float, float]:
    precisions, recalls = [], []
    for customer, items in truth.items():
        if not items:
            continue
        recs = list(recommended.get(customer, []))[:k]
        hits = len(set(recs) & set(items))
        precisions.append(hits / k)
        recalls.append(hits / len(items))
    if not precisions:
        return 0.0, 0.0
    return sum(precisions) / len(precisions), sum(recalls) / len(recalls)


def coverage(recommended: dict, catalogue_size: int) -> float:
    items = {i for recs in recommended.values() for i in recs}
    return len(items) / catalogue_size if catalogue_size else 0.0


def evaluate(models: dict, interactions: pd.DataFrame, split_at, k: int = 10) -> pd.DataFrame:
    """Fit each model on the train period, score on the test period; one row per model."""
    train, test = time_split(interactions, split_at)
    truth = test[test["customer"].isin(set(train["customer"]))].groupby("customer")["item"].agg(set).to_dict()
    rows = []
    if train.empty or not truth:  # too little history for a split: nothing to report
        return pd.DataFrame(columns=["model", "k", "precision_at_k", "recall_at_k", "coverage", "test_customers"])
    for name, model in models.items():
        model.fit(train)
        recs = model.recommend(list(truth), k=k)
        p, r = precision_recall_at_k(recs, truth, k)
        all_recs = model.recommend(sorted(train["customer"].unique(), key=str), k=k)
        rows.append({"model": name, "k": k, "precision_at_k": round(p, 4), "recall_at_k": round(r, 4),
                     "coverage": round(coverage(all_recs, train["item"].nunique()), 4),
                     "test_customers": len(truth)})
    return pd.DataFrame(rows)
