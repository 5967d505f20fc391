"""Experiment statistics: the tests agree with scipy / textbook formulas, a sample-ratio mismatch
is caught, and the generator's planted effects (data/truth/experiments.parquet) fall inside
the 95% intervals computed from the warehouse's results mart."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sehat.experiments import (
    analyse,
    ratio_of_means_ci,
    srm_check,
    two_proportion_ztest,
    welch,
    write_report,
)


def test_welch_matches_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 2, 300), rng.normal(10.5, 4, 200)
    t, p, (lo, hi) = welch(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert t == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (lo, hi) == pytest.approx((ci.low, ci.high))


def test_two_proportion_z_by_hand():
    z, p, (lo, hi) = two_proportion_ztest(100, 1000, 130, 1000)
    pooled = 230 / 2000
    assert z == pytest.approx(0.03 / math.sqrt(pooled * (1 - pooled) * 2 / 1000))
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)))
    se = math.sqrt(0.1 * 0.9 / 1000 + 0.13 * 0.87 / 1000)
    assert (lo, hi) == pytest.approx((0.03 - 1.959964 * se, 0.03 + 1.959964 * se), rel=1e-5)


def test_srm_flags_a_broken_split():
    assert srm_check({"control": 5000, "treatment": 5050})[1] > 0.05
    assert srm_check({"control": 5000, "treatment": 5600})[1] < 0.001
    assert srm_check({"control": 5000, "treatment": 10000}, {"control": 1, "treatment": 2})[1] > 0.05


def test_ratio_interval_covers_a_simulated_multiplier():
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(200):
        c, t = rng.poisson(0.4, 2000), rng.poisson(0.4 * 1.25, 2000)
        _, (lo, hi) = ratio_of_means_ci(c, np.ones_like(c), t, np.ones_like(t))
        covered += lo <= 1.25 <= hi
    assert 0.91 <= covered / 200 <= 0.99  # nominal 95%


@pytest.fixture
def wh(customer_warehouse):  # built once per session (tests/conftest.py); marks its users e2e
    return customer_warehouse


def test_planted_effects_are_recovered_within_their_intervals(wh):
    """Simultaneous 95% intervals (Bonferroni over the four comparisons) hold every planted multiplier."""
    metrics = wh.df("SELECT * FROM marts.experiment_customer_metrics")
    tests = analyse(metrics, alpha=0.05 / 4)
    truth = pd.read_parquet(wh.home / "data" / "truth" / "experiments.parquet")
    merged = tests.merge(truth, on=["experiment_id", "variant"])
    assert len(merged) == len(truth[truth["variant"] != "control"]) == 4
    for _, r in merged.iterrows():
        assert r["relative_ci_low"] <= r["true_effect"] <= r["relative_ci_high"], r.to_dict()
    assert not merged["srm_flag"].any()
    daily = wh.df("SELECT * FROM ml.experiment_tests")  # what the daily job stored (95% intervals)
    assert set(daily["experiment_id"]) == {"EXP01", "EXP02", "EXP03"}
    # the strong, high-traffic effect (+35% content CTR) is detected, not just "not excluded"
    exp3 = merged[merged["experiment_id"] == "EXP03"].iloc[0]
    assert exp3["relative_ci_low"] > 1.0 and exp3["welch_p"] < 0.01


def test_report_has_a_plot_per_experiment(wh, tmp_path):
    metrics = wh.df("SELECT * FROM marts.experiment_customer_metrics")
    variants = wh.df("SELECT * FROM marts.experiment_variant_results")
    tests = analyse(metrics)
    report = write_report(tests, variants, tmp_path)
    text = report.read_text()
    for exp in ("EXP01", "EXP02", "EXP03"):
        assert f"## {exp}" in text and (tmp_path / f"{exp}.png").stat().st_size > 1000
    # the analysis counts the mart's registered exposed customers (visitors are left out)
    e3 = variants[variants["experiment_id"] == "EXP03"].set_index("variant")["exposed_registered"]
    t3 = tests[tests["experiment_id"] == "EXP03"].iloc[0]
    assert t3["control_users"] == e3["control"] and t3["variant_users"] == e3["personalised"]
