"""Experiment analysis: from the results mart to tests, intervals and a report with plots.

Input: ``marts.fct_experiment_customer_metrics`` (one row per exposed customer and
experiment, built by dbt from ``Experiment Viewed`` events). For every experiment:

* **Sample-ratio mismatch**: chi-square goodness of fit of the exposed counts per
  variant against the planned split (equal unless ``PLANNED_SPLITS`` says
  otherwise); p < ``SRM_ALPHA`` flags the experiment as untrustworthy.
* For every variant against ``control``:
  - **two-proportion z-test** on the conversion rate of the primary metric
    (pooled standard error for the test, unpooled for the interval);
  - **Welch t-test** on the per-user mean of the primary count metric and of
    revenue, with the interval of the difference (Welch-Satterthwaite df);
  - **relative effect** (treatment mean / control mean) with a delta-method
    interval: this is what the generator plants (a multiplier on a rate), so the
    planted ``true_effect`` should fall inside it. For ``content_ctr`` the metric
    is clicks / views, a ratio of sums per customer, handled by the same delta
    method with per-customer clusters.

Primary metric per experiment comes from ``PRIMARY_METRICS`` (in a real
platform the experiment registry declares it; here it mirrors what each test
was designed to move).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

PRIMARY_METRICS = {"EXP01": "orders", "EXP02": "consultations", "EXP03": "content_ctr"}
PLANNED_SPLITS: dict[str, dict[str, float]] = {}  # experiment -> variant -> share; default: equal
SRM_ALPHA = 0.001
CONTROL = "control"

_COUNT_COLUMNS = {"orders": ("n_orders", "converted_order"),
                  "consultations": ("n_consultations", "converted_consultation")}


@dataclass
class VariantTest:
    experiment_id: str
    variant: str
    metric: str
    control_users: int
    variant_users: int
    control_mean: float
    variant_mean: float
    relative_effect: float
    relative_ci_low: float
    relative_ci_high: float
    welch_t: float | None
    welch_p: float | None
    diff_ci_low: float | None
    diff_ci_high: float | None
    control_conversion: float | None
    variant_conversion: float | None
    z: float | None
    z_p: float | None
    conversion_diff_ci_low: float | None
    conversion_diff_ci_high: float | None
    revenue_diff: float | None
    revenue_welch_p: float | None
    revenue_ci_low: float | None
    revenue_ci_high: float | None
    srm_chi2: float
    srm_p: float
    srm_flag: bool


def srm_check(counts: dict[str, int], planned: dict[str, float] | None = None) -> tuple[float, float]:
    """Chi-square goodness of fit of the variant counts against the planned split."""
    variants = sorted(counts)
    observed = np.array([counts[v] for v in variants], float)
    shares = np.array([(planned or {}).get(v, 1.0) for v in variants], float)
    expected = observed.sum() * shares / shares.sum()
    chi2, p = stats.chisquare(observed, expected)
    return float(chi2), float(p)


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05):
    """z and two-sided p for p2 - p1 (pooled SE), and the unpooled (Wald) interval of p2 - p1.

    statsmodels' ``proportions_ztest`` (pooled variance under the null) and
    ``confint_proportions_2indep(method="wald")``.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    if x1 + x2 in (0, n1 + n2):  # every or no user converted: no variance, no evidence either way
        return 0.0, 1.0, (x2 / n2 - x1 / n1, x2 / n2 - x1 / n1)
    z, p = proportions_ztest([x2, x1], [n2, n1], value=0, alternative="two-sided")
    low, high = confint_proportions_2indep(x2, n2, x1, n1, method="wald", compare="diff", alpha=alpha)
    return float(z), float(p), (float(low), float(high))


def welch(a: np.ndarray, b: np.ndarray, alpha: float = 0.05):
    """Welch t-test of mean(b) - mean(a): t, p, interval (Welch-Satterthwaite df), by scipy."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = float(b.mean() - a.mean())
    if a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b) == 0:
        return 0.0, 1.0, (diff, diff)
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(1 - alpha)
    return float(res.statistic), float(res.pvalue), (float(ci.low), float(ci.high))


def ratio_of_means_ci(num_c, den_c, num_t, den_t, alpha: float = 0.05):
    """(sum num_t / sum den_t) / (sum num_c / sum den_c) with a delta-method interval on the log scale.

    For a per-user mean, den is 1 per user; for a CTR, num = clicks and den = views per user.
    """
    def log_ratio_var(num, den):
        num, den = np.asarray(num, float), np.asarray(den, float)
        n = len(num)
        mn, md = num.mean(), den.mean()
        r = mn / md
        var = (np.var(num, ddof=1) / mn ** 2 + np.var(den, ddof=1) / md ** 2
               - 2 * np.cov(num, den, ddof=1)[0, 1] / (mn * md)) / n if n > 1 else float("inf")
        return r, max(var, 0.0)

    rc, vc = log_ratio_var(num_c, den_c)
    rt, vt = log_ratio_var(num_t, den_t)
    ratio = rt / rc
    se = math.sqrt(vc + vt)
    q = stats.norm.ppf(1 - alpha / 2)
    return ratio, (ratio * math.exp(-q * se), ratio * math.exp(q * se))


def analyse(metrics: pd.DataFrame, primary: dict[str, str] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """One row per (experiment, non-control variant) with every test above."""
    primary = primary or PRIMARY_METRICS
    rows = []
    for exp, df in metrics.groupby("experiment_id"):
        metric = primary.get(exp, "orders")
        # Registered customers only: app-only visitors are bucketed by device and the tested
        # change is personalised per account (their variant cannot change their behaviour).
        df = df[~df["is_anonymous"]]
        counts = df["variant"].value_counts().to_dict()
        if CONTROL not in counts or len(counts) < 2:
            continue
        chi2, srm_p = srm_check(counts, PLANNED_SPLITS.get(exp))
        control = df[df["variant"] == CONTROL]
        for variant, treated in df[df["variant"] != CONTROL].groupby("variant"):
            if len(treated) < 2 or len(control) < 2:
                continue
            rec = {"z": None, "z_p": None, "conv_ci": (None, None), "cc": None, "vc": None,
                   "t": None, "tp": None, "dci": (None, None)}
            if metric in _COUNT_COLUMNS:
                count_col, conv_col = _COUNT_COLUMNS[metric]
                c_vals, t_vals = control[count_col].to_numpy(float), treated[count_col].to_numpy(float)
                ratio, rci = ratio_of_means_ci(c_vals, np.ones(len(c_vals)), t_vals, np.ones(len(t_vals)), alpha)
                rec["t"], rec["tp"], rec["dci"] = welch(c_vals, t_vals, alpha)
                x1, x2 = int(control[conv_col].sum()), int(treated[conv_col].sum())
                rec["z"], rec["z_p"], rec["conv_ci"] = two_proportion_ztest(x1, len(control), x2, len(treated), alpha)
                rec["cc"], rec["vc"] = x1 / len(control), x2 / len(treated)
                c_mean, t_mean = c_vals.mean(), t_vals.mean()
            else:  # content_ctr: clicks / views, clustered by customer
                c = control[control["n_content_views"] > 0]
                t = treated[treated["n_content_views"] > 0]
                ratio, rci = ratio_of_means_ci(c["n_content_clicks"], c["n_content_views"],
                                               t["n_content_clicks"], t["n_content_views"], alpha)
                c_mean = c["n_content_clicks"].sum() / c["n_content_views"].sum()
                t_mean = t["n_content_clicks"].sum() / t["n_content_views"].sum()
                x1, x2 = int((c["n_content_clicks"] > 0).sum()), int((t["n_content_clicks"] > 0).sum())
                rec["z"], rec["z_p"], rec["conv_ci"] = two_proportion_ztest(x1, len(c), x2, len(t), alpha)
                rec["cc"], rec["vc"] = x1 / len(c), x2 / len(t)
                rec["t"], rec["tp"], rec["dci"] = welch(c["n_content_clicks"] / c["n_content_views"],
                                                        t["n_content_clicks"] / t["n_content_views"], alpha)
            _, rp, rci_rev = welch(control["revenue"].to_numpy(float), treated["revenue"].to_numpy(float), alpha)
            rows.append(asdict(VariantTest(
                experiment_id=exp, variant=variant, metric=metric, control_users=len(control),
                variant_users=len(treated), control_mean=float(c_mean), variant_mean=float(t_mean),
                relative_effect=float(ratio), relative_ci_low=float(rci[0]), relative_ci_high=float(rci[1]),
                welch_t=rec["t"], welch_p=rec["tp"], diff_ci_low=rec["dci"][0], diff_ci_high=rec["dci"][1],
                control_conversion=rec["cc"], variant_conversion=rec["vc"], z=rec["z"], z_p=rec["z_p"],
                conversion_diff_ci_low=rec["conv_ci"][0], conversion_diff_ci_high=rec["conv_ci"][1],
                revenue_diff=float(treated["revenue"].mean() - control["revenue"].mean()),
                revenue_welch_p=rp, revenue_ci_low=rci_rev[0], revenue_ci_high=rci_rev[1],
                srm_chi2=chi2, srm_p=srm_p, srm_flag=srm_p < SRM_ALPHA,
            )))
    return pd.DataFrame(rows)


def write_report(tests: pd.DataFrame, variants: pd.DataFrame, out_dir: Path, truth: pd.DataFrame | None = None) -> Path:
    """Markdown report with one plot per experiment (relative effect and 95% interval per variant)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# Experiment report", ""]
    for exp, t in tests.groupby("experiment_id"):
        v = variants[variants["experiment_id"] == exp]
        fig, ax = plt.subplots(figsize=(6, 1.2 + 0.5 * len(t)))
        y = np.arange(len(t))
        ax.errorbar(t["relative_effect"], y, xerr=[t["relative_effect"] - t["relative_ci_low"],
                                                   t["relative_ci_high"] - t["relative_effect"]], fmt="o", capsize=4)
        if truth is not None:
            tr = truth[truth["experiment_id"] == exp].set_index("variant")["true_effect"]
            ax.scatter([tr.get(x, np.nan) for x in t["variant"]], y, marker="x", color="red", label="planted")
            ax.legend(loc="lower right", fontsize=7)
        ax.axvline(1.0, color="grey", linestyle="--")
        ax.set_yticks(y, t["variant"])
        ax.set_xlabel(f"relative effect on {t['metric'].iloc[0]} (variant / control), 95% CI")
        ax.set_title(exp)
        fig.tight_layout()
        png = out_dir / f"{exp}.png"
        fig.savefig(png, dpi=100)
        plt.close(fig)
        srm = t.iloc[0]
        lines += [f"## {exp} (primary metric: {srm['metric']})", "",
                  f"Sample-ratio check: chi2 = {srm['srm_chi2']:.2f}, p = {srm['srm_p']:.4f}"
                  + (" **SRM: do not trust this experiment**" if srm["srm_flag"] else " (ok)"), "",
                  "| variant | exposed | conversion | orders/user | revenue/user | consultations/user | content CTR |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for _, r in v.sort_values("variant").iterrows():
            lines.append(f"| {r['variant']} | {r['exposed_customers']} | {r['order_conversion_rate']:.4f} | "
                         f"{r['orders_per_user']:.4f} | {r['revenue_per_user']:.0f} | "
                         f"{r['consultations_per_user']:.4f} | {(r['content_ctr'] or 0):.4f} |")
        lines += ["",
                  ("| variant vs control | relative effect (95% CI) | Welch p | z-test p (conversion) "
                   "| revenue diff (95% CI) |"),
                  "| --- | --- | ---: | ---: | --- |"]
        for _, r in t.iterrows():
            lines.append(f"| {r['variant']} | {r['relative_effect']:.3f} ({r['relative_ci_low']:.3f} .. "
                         f"{r['relative_ci_high']:.3f}) | {r['welch_p']:.4g} | {r['z_p']:.4g} | "
                         f"{r['revenue_diff']:.0f} ({r['revenue_ci_low']:.0f} .. {r['revenue_ci_high']:.0f}) |")
        lines += ["", f"![{exp}]({png.name})", ""]
    report = out_dir / "report.md"
    report.write_text("\n".join(lines) + "\n")
    (out_dir / "tests.json").write_text(json.dumps(tests.to_dict(orient="records"), indent=2, default=str))
    return report
