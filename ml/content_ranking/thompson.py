"""Rank content per audience by a smoothed click-through rate; evict proven losers.

Model: clicks ~ Binomial(impressions, ctr), ctr ~ Beta(alpha0, beta0). The prior is
fitted by the method of moments on all items (empirical Bayes), so an item with few
impressions starts at the overall CTR instead of 0 or 1. Per item and audience:

* posterior mean   (alpha0 + clicks) / (alpha0 + beta0 + impressions)
* 90% credible interval from the Beta posterior (``ctr_lower``, ``ctr_upper``)
* Thompson share   how often the item wins among ``n_draws`` seeded posterior draws
  (the serving share for exploration; items with a wide posterior still get shown)

Eviction: once an item has ``min_impressions`` impressions in an audience and the
upper end of its credible interval is below ``evict_below`` x the audience's best
posterior mean, it is evicted (not in the published list for that audience).
The ranked list orders kept items by posterior mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator


def fit_beta_prior(clicks: np.ndarray, impressions: np.ndarray, strength_cap: float = 1000.0) -> tuple[float, float]:
    """Method-of-moments Beta prior over item CTRs (weighted by impressions)."""
    clicks, impressions = np.asarray(clicks, float), np.asarray(impressions, float)
    ok = impressions > 0
    if ok.sum() < 2:
        return 1.0, 1.0
    p = clicks[ok] / impressions[ok]
    w = impressions[ok] / impressions[ok].sum()
    mean = float(np.sum(w * p))
    var = float(np.sum(w * (p - mean) ** 2))
    mean = min(max(mean, 1e-4), 1 - 1e-4)
    if var <= 0:
        strength = strength_cap
    else:
        strength = min(max(mean * (1 - mean) / var - 1, 2.0), strength_cap)
    return mean * strength, (1 - mean) * strength


class BetaBinomialRanker(BaseEstimator):
    def __init__(self, min_impressions: int = 200, evict_below: float = 0.5, credible: float = 0.9,
                 n_draws: int = 2000, random_state: int = 0):
        self.min_impressions = min_impressions
        self.evict_below = evict_below
        self.credible = credible
        self.n_draws = n_draws
        self.random_state = random_state

    def fit(self, performance: pd.DataFrame, y=None):
        """``performance``: segment_name, content_id, impressions, clicks (+ any descriptive columns)."""
        df = performance.copy()
        df["clicks"] = np.minimum(df["clicks"].astype(float), df["impressions"].astype(float))
        overall = df.groupby("content_id")[["impressions", "clicks"]].sum()
        self.prior_ = fit_beta_prior(overall["clicks"].to_numpy(), overall["impressions"].to_numpy())
        a0, b0 = self.prior_
        a = a0 + df["clicks"].to_numpy()
        b = b0 + df["impressions"].to_numpy() - df["clicks"].to_numpy()
        df["posterior_mean_ctr"] = a / (a + b)
        tail = (1 - self.credible) / 2
        df["ctr_lower"] = stats.beta.ppf(tail, a, b)
        df["ctr_upper"] = stats.beta.ppf(1 - tail, a, b)
        rng = np.random.default_rng(self.random_state)
        shares = np.zeros(len(df))
        for idx in df.groupby("segment_name").indices.values():
            draws = rng.beta(a[idx][:, None], b[idx][:, None], size=(len(idx), self.n_draws))
            wins = np.bincount(np.argmax(draws, axis=0), minlength=len(idx))
            shares[idx] = wins / self.n_draws
        df["thompson_share"] = shares
        best = df.groupby("segment_name")["posterior_mean_ctr"].transform("max")
        df["evicted"] = (df["impressions"] >= self.min_impressions) & (df["ctr_upper"] < self.evict_below * best)
        df = df.sort_values(["segment_name", "evicted", "posterior_mean_ctr", "content_id"],
                            ascending=[True, True, False, True], kind="stable")
        df["rank"] = np.where(df["evicted"], pd.NA, df.groupby(["segment_name", "evicted"]).cumcount() + 1)
        self.scores_ = df.reset_index(drop=True)
        return self

    def ranking(self) -> pd.DataFrame:
        """The published list: kept items per audience with their rank."""
        kept = self.scores_[~self.scores_["evicted"]].copy()
        kept["rank"] = kept["rank"].astype(int)
        return kept.reset_index(drop=True)
