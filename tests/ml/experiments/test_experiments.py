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
    metrics = wh.df("SELECT * FROM marts.fct_experiment_customer_metrics")
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
    metrics = wh.df("SELECT * FROM marts.fct_experiment_customer_metrics")
    variants = wh.df("SELECT * FROM marts.agg_experiment_variant_results")
    tests = analyse(metrics)
    report = write_report(tests, variants, tmp_path)
    text = report.read_text()
    for exp in ("EXP01", "EXP02", "EXP03"):
        assert f"## {exp}" in text and (tmp_path / f"{exp}.png").stat().st_size > 1000
    # the analysis counts the mart's registered exposed customers (visitors are left out)
    e3 = variants[variants["experiment_id"] == "EXP03"].set_index("variant")["exposed_registered"]
    t3 = tests[tests["experiment_id"] == "EXP03"].iloc[0]
    assert t3["control_users"] == e3["control"] and t3["variant_users"] == e3["personalised"]


def _synthetic_metrics() -> pd.DataFrame:
    """A results-mart-shaped frame (two experiments, one with two treatments), no warehouse needed."""
    rng = np.random.default_rng(7)
    rows = []
    for exp, variants in (("EXP01", ("control", "treatment")), ("EXP03", ("control", "a", "b"))):
        for v in variants:
            n = 400
            lift = 1.0 if v == "control" else 1.2
            orders = rng.poisson(0.3 * lift, n)
            views = rng.poisson(3, n)
            clicks = rng.binomial(views, 0.1 * lift)
            rows.append(pd.DataFrame({
                "experiment_id": exp, "variant": v, "is_anonymous": rng.random(n) < 0.05,
                "n_orders": orders, "converted_order": orders > 0, "n_consultations": rng.poisson(0.2, n),
                "converted_consultation": False, "revenue": orders * rng.gamma(2, 50000, n),
                "n_content_views": views, "n_content_clicks": clicks}))
    return pd.concat(rows, ignore_index=True)


# What the hand-written Welch and z-tests printed before the move to scipy / statsmodels (issue 20),
# computed on _synthetic_metrics() with the old code and pinned here.
PREVIOUS_OUTPUT = {
    "EXP01/treatment": [0.6594426159814919, 0.5098125050091878, -0.053482558588741944, 0.10758949108252457,
                        0.25177249819484265, 0.8012169159323634, -0.055621126690074005, 0.07201716683970515,
                        0.7944125692718179, -8178.355886741147, 10682.92224773207],
    "EXP03/a": [0.3639714484182888, 0.7159864650907486, -0.024947977635506824, 0.03630337450950444,
                1.92920734427728, 0.05370512679503042, -0.0009579550721348917, 0.13433211306356171,
                0.9075310983866599, -11964.587150684909, 10627.41113922575],
    "EXP03/b": [-0.5725751843182126, 0.5671115384048349, -0.03851214819538158, 0.021120643502112835,
                0.8557693671586155, 0.3921253623474661, -0.0372186333017242, 0.09495206166950759,
                0.8901930468753232, -10765.556582354164, 12394.930160866186],
}
PINNED_COLUMNS = ["welch_t", "welch_p", "diff_ci_low", "diff_ci_high", "z", "z_p", "conversion_diff_ci_low",
                  "conversion_diff_ci_high", "revenue_welch_p", "revenue_ci_low", "revenue_ci_high"]


def test_library_tests_match_the_previous_hand_written_output():
    tests = analyse(_synthetic_metrics())
    got = {f"{r.experiment_id}/{r.variant}": [r[c] for c in PINNED_COLUMNS] for _, r in tests.iterrows()}
    assert set(got) == set(PREVIOUS_OUTPUT)
    for key, values in PREVIOUS_OUTPUT.items():
        assert got[key] == pytest.approx(values, rel=1e-9, abs=1e-12), key


def test_library_tests_use_scipy_and_statsmodels(monkeypatch):
    import statsmodels.stats.proportion as sp

    calls = []
    real_z, real_ci = sp.proportions_ztest, sp.confint_proportions_2indep
    monkeypatch.setattr(sp, "proportions_ztest", lambda *a, **k: calls.append("z") or real_z(*a, **k))
    monkeypatch.setattr(sp, "confint_proportions_2indep", lambda *a, **k: calls.append("ci") or real_ci(*a, **k))
    z, _, _ = two_proportion_ztest(40, 400, 55, 380)
    assert calls == ["z", "ci"] and z == pytest.approx(1.909533719159532)
    assert two_proportion_ztest(0, 100, 0, 120) == (0.0, 1.0, (0.0, 0.0))
    assert welch(np.ones(5), np.ones(6)) == (0.0, 1.0, (0.0, 0.0))


def test_warehouse_columns_carry_the_dbt_descriptions(wh):
    """persist_docs (dbt_project.yml): dim_customers' table and column descriptions are comments (issue 20)."""
    table = wh.df("SELECT comment FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'dim_customers'")
    assert table["comment"].iloc[0]
    columns = wh.df("SELECT column_name, comment FROM duckdb_columns()"
                    " WHERE schema_name = 'marts' AND table_name = 'dim_customers'")
    assert len(columns) > 10
    assert columns["comment"].notna().mean() > 0.9, columns[columns["comment"].isna()]
