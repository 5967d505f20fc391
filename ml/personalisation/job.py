"""Daily personalisation: cohorts, recommendations, content ranking and experiment analysis.

Reads the marts from the read-only snapshot, trains the models in ``ml/`` and
writes their outputs to the ``ml`` schema of the warehouse (writer connection:
callers hold the ``duckdb_writer`` slot), then refreshes the snapshot so the gate
can publish them:

=============================  ===============================================================
ml.customer_cohorts            customer_key, cohort_id, cohort_name, as_of_date
ml.cohort_profiles             cohort_id, cohort_name, size, share, mean of every feature, silhouette
ml.association_rules           antecedents, consequents, support, confidence, lift
ml.customer_recommendations    customer_key, user_id, identity, rank, item_type, item_id, item_name, score, reason
ml.cohort_recommendations      cohort_id, item_type (product / speciality / lab_test), item, rank, lift, adoption
ml.recommendation_evaluation   model, k, precision_at_k, recall_at_k, coverage (time split)
ml.content_rankings            segment_name, rank, content_id, ..., posterior_mean_ctr, thompson_share
ml.content_scores              every (segment, content) with its posterior and eviction flag
ml.experiment_tests            one row per experiment and non-control variant (sehat.experiments)
=============================  ===============================================================

Each step is a function (one Airflow task each); :func:`run_all` runs them in order.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pandas as pd

from sehat.config import Settings, settings
from sehat.warehouse import restricted_reader as reader  # reads staging: the restricted snapshot
from sehat.warehouse import writer

log = logging.getLogger(__name__)


def _write_tables(cfg: Settings, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace ``ml.<name>`` tables atomically (one transaction)."""
    with writer(cfg) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS ml")
        con.execute("BEGIN")
        for name, df in tables.items():
            con.register("_frame", df)
            con.execute(f"CREATE OR REPLACE TABLE ml.{name} AS SELECT * FROM _frame")
            con.unregister("_frame")
        con.execute("COMMIT")
    return {name: len(df) for name, df in tables.items()}


def _as_of(con) -> date:
    return con.execute("SELECT as_of_date FROM intermediate.int_as_of_date_resolved").fetchone()[0]


# --------------------------------------------------------------------------- cohorts


def train_cohorts(cfg: Settings | None = None, k_range=(3, 4, 5, 6, 7, 8), random_state: int = 0) -> dict:
    from ml.cohorts.kmeans import BehaviouralCohorts, feature_frame

    cfg = cfg or settings()
    with reader(cfg) as con:
        # registered customers; never one deleted at the source (the release gate refuses them)
        customers = con.execute("SELECT * FROM marts.dim_customers WHERE NOT is_anonymous AND NOT is_deleted_at_source"
                                " ORDER BY customer_key").df()
        as_of = _as_of(con)
    k_range = tuple(k for k in k_range if k < len(customers) // 5)
    if not k_range:
        log.warning("only %s registered customers: no cohorts trained", len(customers))
        return {"customers": len(customers), "trained": False}
    X = feature_frame(customers)
    model = BehaviouralCohorts(k_range=k_range, random_state=random_state).fit(X)
    labels = model.labels_
    assignments = pd.DataFrame({
        "customer_key": customers["customer_key"], "cohort_id": labels.astype("int32"),
        "cohort_name": [model.names_[c] for c in labels], "as_of_date": as_of,
    })
    profiles = model.profiles_.reset_index(names="cohort_id")
    profiles.insert(1, "cohort_name", profiles["cohort_id"].map(model.names_))
    profiles["silhouette"] = model.silhouette_
    profiles["as_of_date"] = as_of
    _write_tables(cfg, {"customer_cohorts": assignments, "cohort_profiles": profiles})
    return {"customers": len(customers), "trained": True, "k": int(model.n_clusters_),
            "silhouette": round(model.silhouette_, 4), "silhouettes": model.silhouettes_}


# --------------------------------------------------------------------------- recommendations

_PURCHASES_SQL = """
SELECT u.customer_key, o.order_id, o.ordered_at AS ts, cast(oi.product_id AS VARCHAR) AS item, p.name AS item_name,
       p.category
FROM staging.stg_production__orders o
JOIN staging.stg_production__order_items oi ON oi.order_id = o.order_id
JOIN staging.stg_production__products p ON p.product_id = oi.product_id
JOIN intermediate.int_customer_users_mapped u ON u.user_id = o.user_id
WHERE coalesce(lower(o.status), '') NOT IN ('cancelled', 'canceled', 'failed', 'refunded')
"""

_SERVICES_SQL = """
SELECT u.customer_key, 'speciality' AS item_type, c.speciality AS item
FROM staging.stg_production__consultations c
JOIN intermediate.int_customer_users_mapped u ON u.user_id = c.user_id
WHERE c.status = 'completed' AND c.speciality IS NOT NULL
UNION ALL
SELECT u.customer_key, 'lab_test', t.name
FROM staging.stg_production__lab_bookings b
JOIN staging.stg_production__lab_tests t ON t.lab_test_id = b.lab_test_id
JOIN intermediate.int_customer_users_mapped u ON u.user_id = b.user_id
"""


def train_recommendations(cfg: Settings | None = None, k: int = 10, min_support: float = 0.001,
                          min_confidence: float = 0.5, test_days: int = 7) -> dict:
    from ml.recommendations.association import AssociationRules
    from ml.recommendations.cohort import CohortRecommender
    from ml.recommendations.cooccurrence import CoPurchaseRecommender
    from ml.recommendations.evaluation import evaluate
    from ml.recommendations.popularity import PopularityRecommender

    cfg = cfg or settings()
    with reader(cfg) as con:
        purchases = con.execute(_PURCHASES_SQL).df()
        services = con.execute(_SERVICES_SQL).df()
        customers = con.execute("SELECT customer_key, user_id, identity FROM marts.dim_customers"
                                " WHERE NOT is_anonymous AND NOT is_deleted_at_source").df()
        has_cohorts = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ml'"
                                  " AND table_name = 'customer_cohorts'").fetchone()[0]
        cohorts = (con.execute("SELECT customer_key, cohort_id FROM ml.customer_cohorts").df()
                   if has_cohorts else pd.DataFrame(columns=["customer_key", "cohort_id"]))
        as_of = _as_of(con)
    if purchases.empty:
        return {"purchases": 0, "trained": False}
    names = purchases.drop_duplicates("item").set_index("item")["item_name"]
    interactions = purchases.rename(columns={"customer_key": "customer"})

    baskets = purchases.groupby("order_id")["item"].agg(list)
    rules = AssociationRules(min_support=min_support, min_confidence=min_confidence).fit(baskets.tolist())
    rules_table = rules.rules_table()

    split_at = pd.Timestamp(as_of) - pd.Timedelta(days=test_days - 1)
    evaluation = evaluate({"co_purchase_history": CoPurchaseRecommender(), "popularity": PopularityRecommender()},
                          interactions, split_at, k=k)
    evaluation["split_at"] = split_at.date()

    model = CoPurchaseRecommender().fit(interactions)
    recs = model.recommend_frame(customers["customer_key"].tolist(), k=k)
    recs = recs.merge(customers, left_on="customer", right_on="customer_key").drop(columns="customer")
    recs["item_type"] = "product"
    recs["item_id"] = recs.pop("item")
    recs["item_name"] = recs["item_id"].map(names)
    recs["as_of_date"] = as_of
    recs = recs[["customer_key", "user_id", "identity", "rank", "item_type", "item_id", "item_name", "score",
                 "reason", "as_of_date"]]

    usage = pd.concat([
        purchases.assign(item_type="product", item=purchases["item_name"])[["customer_key", "item_type", "item"]],
        services,
    ]).rename(columns={"customer_key": "customer"})
    if len(cohorts):
        cohort_recs = CohortRecommender(k=k).fit(usage, cohorts.set_index("customer_key")["cohort_id"]).recommendations_
        cohort_recs = cohort_recs.rename(columns={"cohort": "cohort_id"}).assign(as_of_date=as_of)
    else:
        cohort_recs = pd.DataFrame({"cohort_id": pd.Series(dtype="int32"), "item_type": pd.Series(dtype=str),
                                    "item": pd.Series(dtype=str), "rank": pd.Series(dtype="int64")})
    _write_tables(cfg, {"association_rules": rules_table.assign(as_of_date=as_of),
                        "customer_recommendations": recs,
                        "cohort_recommendations": cohort_recs,
                        "recommendation_evaluation": evaluation})
    return {"baskets": len(baskets), "rules": len(rules_table), "customers": recs["customer_key"].nunique(),
            "evaluation": evaluation.to_dict(orient="records"), "cohort_recommendations": len(cohort_recs)}


# --------------------------------------------------------------------------- content


def rank_content(cfg: Settings | None = None, min_impressions: int = 200, evict_below: float = 0.5) -> dict:
    from ml.content_ranking.thompson import BetaBinomialRanker

    cfg = cfg or settings()
    with reader(cfg) as con:
        perf = con.execute("SELECT * FROM marts.agg_content_performance ORDER BY segment_name, content_id").df()
        as_of = _as_of(con)
    if perf.empty:
        return {"items": 0}
    model = BetaBinomialRanker(min_impressions=min_impressions, evict_below=evict_below).fit(perf)
    ranking = model.ranking().assign(as_of_date=as_of)
    ranking = ranking[["segment_name", "rank", "content_id", "content_type", "placement", "impressions", "clicks",
                       "posterior_mean_ctr", "ctr_lower", "ctr_upper", "thompson_share", "as_of_date"]]
    scores = model.scores_.assign(as_of_date=as_of, prior_alpha=model.prior_[0], prior_beta=model.prior_[1])
    _write_tables(cfg, {"content_rankings": ranking, "content_scores": scores})
    return {"audiences": int(perf["segment_name"].nunique()), "ranked": len(ranking),
            "evicted": int(model.scores_["evicted"].sum()), "prior": [round(x, 3) for x in model.prior_]}


# --------------------------------------------------------------------------- experiments


def analyse_experiments(cfg: Settings | None = None, report_dir: Path | None = None) -> dict:
    from sehat.experiments import analyse, write_report

    cfg = cfg or settings()
    with reader(cfg) as con:
        metrics = con.execute("SELECT * FROM marts.fct_experiment_customer_metrics").df()
        variants = con.execute("SELECT * FROM marts.agg_experiment_variant_results").df()
        as_of = _as_of(con)
    tests = analyse(metrics)
    if tests.empty:
        return {"experiments": 0}
    tests["as_of_date"] = as_of
    _write_tables(cfg, {"experiment_tests": tests})
    truth_file = cfg.truth_dir / "experiments.parquet"  # demo only: the generator's planted effects
    truth = pd.read_parquet(truth_file) if truth_file.exists() else None
    out = report_dir or cfg.publish_dir / "reports" / "experiments" / str(as_of)
    report = write_report(tests, variants, out, truth)
    return {"experiments": int(tests["experiment_id"].nunique()), "report": str(report),
            "srm_flags": int(tests["srm_flag"].sum())}


def run_all(cfg: Settings | None = None) -> dict:
    """Every step, then refresh the reader snapshot (callers hold the writer slot)."""
    from sehat.warehouse import refresh_reader

    cfg = cfg or settings()
    out = {"cohorts": train_cohorts(cfg)}
    refresh_reader(cfg)  # recommendations per cohort read the fresh cohorts
    out["recommendations"] = train_recommendations(cfg)
    out["content"] = rank_content(cfg)
    out["experiments"] = analyse_experiments(cfg)
    refresh_reader(cfg)
    return out
