"""Content ranking: Beta-Binomial posterior, Thompson shares, eviction only after enough impressions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.content_ranking.thompson import BetaBinomialRanker, fit_beta_prior


def _perf(rows):
    return pd.DataFrame(rows, columns=["segment_name", "content_id", "impressions", "clicks"])


def test_posterior_mean_is_the_beta_binomial_formula():
    perf = _perf([("all", "A", 1000, 100), ("all", "B", 1000, 20), ("all", "C", 10, 5)])
    model = BetaBinomialRanker(min_impressions=500).fit(perf)
    a0, b0 = model.prior_
    s = model.scores_.set_index("content_id")
    for cid, n, k in [("A", 1000, 100), ("B", 1000, 20), ("C", 10, 5)]:
        assert s.loc[cid, "posterior_mean_ctr"] == pytest.approx((a0 + k) / (a0 + b0 + n))
        assert s.loc[cid, "ctr_lower"] < s.loc[cid, "posterior_mean_ctr"] < s.loc[cid, "ctr_upper"]
    # C's raw CTR is 50% on 10 impressions: shrunk towards the prior, not ranked as a sure winner
    assert s.loc["C", "posterior_mean_ctr"] < 0.5


def test_eviction_needs_enough_impressions():
    perf = _perf([("s", "good", 5000, 500), ("s", "bad", 5000, 50), ("s", "bad_but_new", 50, 0)])
    model = BetaBinomialRanker(min_impressions=1000, evict_below=0.5).fit(perf)
    s = model.scores_.set_index("content_id")
    assert s.loc["bad", "evicted"] and not s.loc["good", "evicted"]
    assert not s.loc["bad_but_new", "evicted"]  # too few impressions to judge
    ranking = model.ranking()
    assert list(ranking["content_id"]) == ["good", "bad_but_new"]
    assert list(ranking["rank"]) == [1, 2]


def test_thompson_shares_favour_the_better_item_per_segment():
    rng = np.random.default_rng(0)
    rows = []
    for seg, best in (("s1", "A"), ("s2", "B")):
        for cid in "AB":
            n = 2000
            p = 0.1 if cid == best else 0.05
            rows.append((seg, cid, n, int(rng.binomial(n, p))))
    model = BetaBinomialRanker(min_impressions=10**9).fit(_perf(rows))
    s = model.scores_.set_index(["segment_name", "content_id"])["thompson_share"]
    assert s[("s1", "A")] > 0.95 and s[("s2", "B")] > 0.95
    assert s.groupby(level=0).sum().round(6).eq(1).all()


def test_prior_by_moments():
    a, b = fit_beta_prior(np.array([10, 20, 30]), np.array([100, 100, 100]))
    assert a / (a + b) == pytest.approx(0.2)
