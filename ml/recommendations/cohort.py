"""Per-cohort recommendations of products and services (specialities, lab tests).

For each cohort and item type, rank items by lift of the cohort's adoption rate
over the overall rate (share of cohort customers who used the item / share of all
customers), requiring ``min_customers`` adopters; ties broken by adoption.
"""

from __future__ import annotations

import pandas as pd
from sklearn.base import BaseEstimator


class CohortRecommender(BaseEstimator):
    """``fit(usage, cohorts)``: usage has customer, item_type, item; cohorts maps customer -> cohort."""

    def __init__(self, k: int = 10, min_customers: int = 3):
        self.k = k
        self.min_customers = min_customers

    def fit(self, usage: pd.DataFrame, cohorts: pd.Series):
        u = usage[["customer", "item_type", "item"]].drop_duplicates()
        u = u.assign(cohort=u["customer"].map(cohorts)).dropna(subset=["cohort"])
        sizes = cohorts.value_counts()
        n = len(cohorts)
        overall = u.groupby(["item_type", "item"])["customer"].nunique().rename("overall_adopters")
        per = u.groupby(["cohort", "item_type", "item"])["customer"].nunique().rename("adopters").reset_index()
        per = per.join(overall, on=["item_type", "item"])
        per["cohort_size"] = per["cohort"].map(sizes)
        per["adoption"] = per["adopters"] / per["cohort_size"]
        per["lift"] = per["adoption"] / (per["overall_adopters"] / n)
        per = per[per["adopters"] >= self.min_customers]
        per = per.sort_values(["cohort", "item_type", "lift", "adoption", "item"],
                              ascending=[True, True, False, False, True], kind="stable")
        per["rank"] = per.groupby(["cohort", "item_type"]).cumcount() + 1
        self.recommendations_ = per[per["rank"] <= self.k].reset_index(drop=True)
        return self
