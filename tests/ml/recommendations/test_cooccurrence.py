"""Per-customer and per-cohort recommenders and the offline evaluation, on hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from ml.recommendations.cohort import CohortRecommender
from ml.recommendations.cooccurrence import CoPurchaseRecommender
from ml.recommendations.evaluation import coverage, evaluate, precision_recall_at_k
from ml.recommendations.popularity import PopularityRecommender


def _frame(rows):
    return pd.DataFrame(rows, columns=["customer", "item"])


def test_co_purchase_and_own_history():
    # a and b are bought together by many; c is popular but never with a; x repeats her refill r
    rows = [(f"u{i}", "a") for i in range(6)] + [(f"u{i}", "b") for i in range(6)]
    rows += [(f"v{i}", "c") for i in range(10)]
    rows += [("x", "r"), ("x", "r"), ("x", "r"), ("x", "a")]
    model = CoPurchaseRecommender().fit(_frame(rows + [("new", "a")]))
    recs = model.recommend(["new", "x"], k=3)
    # own history first (a: a repeat purchase), then b, co-purchased with a, before the more popular c
    assert recs["new"][:2] == ["a", "b"]
    assert recs["x"][0] == "r"  # own history: the refill
    frame = model.recommend_frame(["x"], k=3)
    assert list(frame["rank"]) == [1, 2, 3]
    assert frame.set_index("item").loc["r", "reason"] == "history"
    assert clone(model).get_params() == model.get_params()


def test_cold_customer_gets_popular_items():
    model = CoPurchaseRecommender().fit(_frame([("u1", "a"), ("u2", "a"), ("u3", "b")]))
    assert model.recommend(["nobody"], k=2)["nobody"] == ["a", "b"]


def test_precision_recall_coverage_definitions():
    recs = {"u1": ["a", "b", "c"], "u2": ["a", "d", "e"]}
    truth = {"u1": {"a", "z"}, "u2": {"q"}}
    p, r = precision_recall_at_k(recs, truth, k=3)
    assert p == pytest.approx((1 / 3 + 0) / 2)
    assert r == pytest.approx((1 / 2 + 0) / 2)
    assert coverage(recs, catalogue_size=10) == pytest.approx(5 / 10)


def test_co_purchase_beats_popularity_on_planted_pairs():
    rng = np.random.default_rng(0)
    pairs = [(f"p{2 * i}", f"p{2 * i + 1}") for i in range(20)]
    rows = []
    for c in range(400):  # earlier customers bought both items of a pair
        pair = pairs[rng.integers(len(pairs))]
        rows += [(f"h{c}", pair[0], pd.Timestamp("2026-11-01")), (f"h{c}", pair[1], pd.Timestamp("2026-11-03"))]
    for c in range(200):  # test customers: the partner comes after the split
        pair = pairs[rng.integers(len(pairs))]
        rows.append((f"c{c}", pair[0], pd.Timestamp("2026-11-01")))
        rows.append((f"c{c}", pair[1], pd.Timestamp("2026-11-20")))
        if rng.random() < 0.5:
            rows.append((f"c{c}", "p0", pd.Timestamp("2026-11-02")))  # one very popular item
    df = pd.DataFrame(rows, columns=["customer", "item", "ts"])
    result = evaluate({"co": CoPurchaseRecommender(), "pop": PopularityRecommender()}, df, "2026-11-15", k=5)
    co, pop = result.set_index("model").loc["co"], result.set_index("model").loc["pop"]
    assert co["recall_at_k"] > pop["recall_at_k"] + 0.3
    assert co["coverage"] > pop["coverage"]


def test_cohort_recommendations_rank_by_lift():
    cohorts = pd.Series({f"a{i}": 0 for i in range(10)} | {f"b{i}": 1 for i in range(10)})
    usage = [(f"a{i}", "speciality", "paediatrics") for i in range(8)]
    usage += [(f"b{i}", "speciality", "cardiology") for i in range(6)]
    usage += [(c, "lab_test", "CBC") for c in cohorts.index]  # everyone: lift 1
    model = CohortRecommender(k=2, min_customers=3).fit(pd.DataFrame(usage, columns=["customer", "item_type", "item"]),
                                                        cohorts)
    recs = model.recommendations_
    top = recs[(recs["cohort"] == 0) & (recs["item_type"] == "speciality")].iloc[0]
    assert top["item"] == "paediatrics" and top["lift"] == pytest.approx(0.8 / 0.4)
    assert "cardiology" not in set(recs[recs["cohort"] == 0]["item"])
