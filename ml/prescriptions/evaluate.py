"""Time-based evaluation: Accuracy@k "one" and "all" per field, model vs popularity vs best achievable.

Protocol (the order doctors enter a prescription): complaints are predicted from
the context only (doctor, speciality, patient age band and gender, month);
diagnoses from context + complaints + notes; molecules and brands from context +
complaints + diagnoses + notes; lab tests additionally from the medicines;
advice additionally from the lab tests. A prescription counts for a field only
when that field is non-empty. "one": at least one true entry in the top k;
"all": every true entry in the top k.

Split: the latest ``test_share`` of the prescriptions (by time; default 20%) is the test set,
or the latest ``test_days`` when given. Every figure comes with its n (test prescriptions
where the field is non-empty) and a 95% Wilson interval; a field scored on fewer than
``min_n`` prescriptions is marked unreliable, and a test set smaller than ``min_n`` is refused
(:class:`TooFewTestPrescriptions`).

Baselines: ``popularity`` is the k values most frequent in the training prescriptions
(plain counts), ``popularity_recent`` the k values with the most recency-weighted counts
(the model's prior, same half-life as the model).
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np

from ml.prescriptions import data as rxdata
from ml.prescriptions.features import code_system
from ml.prescriptions.model import VISIBLE_BEFORE, PrescriptionRecommender

FIELDS = ("complaint", "diagnosis", "molecule", "brand", "lab_test", "advice")
LABELS = {"complaint": "Complaint", "diagnosis": "Diagnosis", "molecule": "Medicine molecule",
          "brand": "Medicine brand", "lab_test": "Lab test", "advice": "Advice"}
SOURCES = ("model", "popularity", "popularity_recent", "best_achievable")
SOURCE_LABELS = {"model": "model", "popularity": "popularity (most frequent)",
                 "popularity_recent": "popularity (recency-weighted)", "best_achievable": "best achievable"}
TEST_SHARE = 0.2
MIN_N = 30


class TooFewTestPrescriptions(ValueError):
    """The test window holds fewer prescriptions than the minimum for figures worth reading."""


def split_by_time(source, work_dir: Path, test_days: int | None = None, test_share: float = TEST_SHARE
                  ) -> tuple[Path, Path, str]:
    """Write train and test Parquet files; returns their paths and the cut (a timestamp).

    Default: the latest ``test_share`` of the prescriptions (ordered by ``prescribed_at``) are the
    test set. With ``test_days``: the latest ``test_days`` days; a history shorter than
    ``3 * test_days`` is cut at two thirds of its span instead, so a young warehouse still trains
    on the past and tests on the latest period.
    """
    con = duckdb.connect()
    rel = rxdata._relation_sql(con, source)
    t = f"(SELECT CAST(prescribed_at AS TIMESTAMP) AS t FROM {rel})"
    if test_days is not None:
        cut = con.execute(f"""SELECT greatest(max(t) - INTERVAL {int(test_days)} DAY, """
                          f"""min(t) + (max(t) - min(t)) * 2 / 3)
                              FROM {t}""").fetchone()[0]
    else:
        if not 0 < test_share < 1:
            raise ValueError(f"test_share must be between 0 and 1, got {test_share}")
        cut = con.execute(f"SELECT quantile_disc(t, {1 - float(test_share)}) FROM {t}").fetchone()[0]
    train, test = work_dir / "train.parquet", work_dir / "test.parquet"
    con.execute(f"COPY (SELECT * FROM {rel} WHERE CAST(prescribed_at AS TIMESTAMP) <= '{cut}') "
                f"TO '{train}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM {rel} WHERE CAST(prescribed_at AS TIMESTAMP) > '{cut}') "
                f"TO '{test}' (FORMAT parquet)")
    con.close()
    return train, test, str(cut)


def most_frequent(tables: rxdata.PrescriptionTables, k: int = 8) -> dict[str, list[str]]:
    """The popularity baseline as documented: per field, the ``k`` values in most training prescriptions."""
    rows = tables.con.execute(f"""SELECT field, list(value ORDER BY n DESC, value)[1:{int(k)}] FROM
        (SELECT field, value, count(DISTINCT pid) AS n FROM items GROUP BY ALL) GROUP BY field""").fetchall()
    return {f: list(v) for f, v in rows}


def wilson(hits: int, n: int) -> tuple[float, float] | None:
    """95% Wilson score interval of hits / n, in percent (None when n == 0)."""
    if not n:
        return None
    from scipy.stats import binomtest

    ci = binomtest(int(hits), int(n)).proportion_ci(0.95, method="wilson")
    return round(100 * float(ci.low), 2), round(100 * float(ci.high), 2)


def _hit(ranked: list[str], truth: set[str], k: int) -> tuple[bool, bool]:
    top = set(ranked[:k])
    return bool(top & truth), truth <= top


def score(model: PrescriptionRecommender, test_source, k: int = 8, catalogue=None, oracle=None,
          max_rows: int | None = None, frequent: dict[str, list[str]] | None = None, min_n: int = MIN_N) -> dict:
    """Accuracy@k one/all per field for the model, the popularity baselines and (with ``oracle``) the ceiling.

    ``frequent``: the plain most-frequent values per field from the training data (:func:`most_frequent`);
    without it the ``popularity`` columns are left out.
    """
    with rxdata.prepare(test_source, catalogue) as tables:
        pids = tables.pids()
        if max_rows and len(pids) > max_rows:
            pids = np.sort(np.random.default_rng(0).choice(pids, max_rows, replace=False))
        queries = tables.queries(pids)
        systems = Counter(code_system(v) for q in queries for v in q.items.get("diagnosis", []))
        ctxs = []
        if oracle is not None:
            con = tables.con.cursor()
            rel = rxdata._relation_sql(con, test_source)
            meta = {str(r[0]): r[1:] for r in con.execute(
                f"SELECT CAST(prescription_id AS VARCHAR), CAST(doctor_id AS VARCHAR), CAST(patient_id AS VARCHAR), "
                f"TRY_CAST(patient_age AS INTEGER), patient_gender, speciality, CAST(prescribed_at AS DATE), notes "
                f"FROM {rel}").fetchall()}
            ids = dict(con.execute("SELECT pid, prescription_id FROM rx").fetchall())
            con.close()
            for p in pids:
                d, u, age, g, s, day, notes = meta[ids[int(p)]]
                ctxs.append({"doctor_id": d, "user_id": u, "age": age or 30, "gender": g, "speciality": s, "day": day,
                             "notes": notes})
    srcs = [s_ for s_ in SOURCES if (s_ != "best_achievable" or oracle is not None)
            and (s_ != "popularity" or frequent is not None)]
    counts = {src: {f: [0, 0, 0] for f in FIELDS} for src in srcs}
    recent = {f: [model.vocab_[f][i] for i in np.argsort(-model.prior_[f], kind="stable")[:k]]
              for f in FIELDS if f in model.vocab_}
    # the evaluation protocol: top k, each field from what is entered before it (a shallow copy: the
    # caller's model keeps its parameters)
    predicted = copy.copy(model).set_params(top_n=k, entry_order=True).predict(queries)
    for i, q in enumerate(queries):
        for f in FIELDS:
            truth = set(q.items.get(f, []))
            if not truth:
                continue
            results = {"model": predicted[i][f], "popularity_recent": recent.get(f, [])}
            if frequent is not None:
                results["popularity"] = frequent.get(f, [])[:k]
            if oracle is not None:
                visible = VISIBLE_BEFORE["molecule" if f == "brand" else f]
                seen = {g: q.items.get(g, []) for g in visible}
                sc = oracle.scores(f, ctxs[i], seen)
                results["best_achievable"] = sorted(sc, key=lambda v: -sc[v])[:k]
            for src, r in results.items():
                one, all_ = _hit(r, truth, k)
                c = counts[src][f]
                c[0] += 1
                c[1] += one
                c[2] += all_
    out = {"k": k, "rows": len(queries), "min_n": min_n, "fields": {},
           "diagnosis_code_systems": {s_: round(100 * c / sum(systems.values()), 2) for s_, c in
                                      sorted(systems.items())} if systems else {}}
    for f in FIELDS:
        n = counts["model"][f][0]
        row = {"n": n, "reliable": n >= min_n}
        for src in srcs:
            c = counts[src][f]
            for j, kind in ((1, "one"), (2, "all")):
                row[f"{src}_{kind}"] = round(100 * c[j] / c[0], 2) if c[0] else None
                row[f"{src}_{kind}_ci95"] = wilson(c[j], c[0])
        bases = [v for v in (row.get("popularity_one"), row.get("popularity_recent_one")) if v is not None]
        row["below_popularity"] = bool(n and bases and row["model_one"] < max(bases))
        out["fields"][f] = row
    return out


def evaluate(source, test_days: int | None = None, k: int = 8, catalogue=None, truth_dir: Path | None = None,
             model_params: dict | None = None, max_rows: int | None = 3000, work_dir: Path | None = None,
             test_share: float = TEST_SHARE, min_n: int | None = MIN_N, refuse: bool = False) -> dict:
    """Split by time, fit on the past, score the latest period (``test_share`` of the data, or ``test_days``).

    Fields scored on fewer than ``min_n`` prescriptions are marked unreliable; with ``refuse`` (what
    ``sehat prescriptions evaluate`` does) a test period under ``min_n`` prescriptions raises
    :class:`TooFewTestPrescriptions` instead of scoring.
    """
    from ml.prescriptions.oracle import Oracle

    with tempfile.TemporaryDirectory() as tmp:
        wd = Path(work_dir or tmp)
        train, test, cut = split_by_time(source, wd, test_days, test_share)
        n_test = duckdb.sql(f"SELECT count(*) FROM read_parquet('{test}')").fetchone()[0]
        if refuse and min_n and n_test < min_n:
            window = f"the last {test_days} days" if test_days is not None else f"the latest {test_share:.0%}"
            raise TooFewTestPrescriptions(
                f"only {n_test} test prescriptions in {window} (after {cut}); at least {min_n} are needed for "
                f"figures worth reading: widen the test window (--test-share / --test-days) or lower --min-n")
        with rxdata.prepare(train, catalogue) as tables:
            model = PrescriptionRecommender(**(model_params or {})).fit(tables)
            frequent = most_frequent(tables, k)
        # the oracle sees the patients' history before the split, as the model does
        oracle = Oracle(truth_dir, history=train) if truth_dir and Path(truth_dir, "customers.parquet").exists() \
            else None
        result = score(model, test, k, catalogue, oracle, max_rows, frequent, min_n or 0)
    result.update({"split_at": cut, "test_days": test_days, "test_share": None if test_days is not None else test_share,
                   "test_prescriptions": n_test, "half_life_days": model.half_life_days,
                   "train": model.data_summary_, "fit_timing": model.timing_})
    return result


def _cell(r: dict, key: str) -> str:
    v = r.get(key)
    return "-" if v is None else f"{v}"


def markdown_table(result: dict) -> str:
    k = result["k"]
    fields = result["fields"]
    srcs = [s_ for s_ in SOURCES if any(f"{s_}_one" in r for r in fields.values())]
    head = ("| field | n | "
            + " | ".join(f"{SOURCE_LABELS[s_]} one@{k} | {SOURCE_LABELS[s_]} all@{k}" for s_ in srcs) + " |")
    sep = "| --- | ---: | " + " | ".join("---: | ---:" for _ in srcs) + " |"
    lines = [head, sep]
    for f, r in fields.items():
        flags = []
        if not r.get("reliable", True):
            flags.append(f"unreliable: n < {result.get('min_n')}")
        if r.get("below_popularity"):
            flags.append("model below popularity")
        name = LABELS[f] + (f" ({'; '.join(flags)})" if flags else "")
        lines.append(f"| {name} | {r['n']} | " + " | ".join(f"{_cell(r, s_ + '_one')} | {_cell(r, s_ + '_all')}"
                                                            for s_ in srcs) + " |")
    return "\n".join(lines)

def write_report(result: dict, out_dir: Path) -> dict[str, Path]:
    """``metrics.json``, ``report.md`` (table) and ``accuracy.png``.

    The plot has one panel per metric ("one", "all"): bars per field for each source with their
    95% Wilson intervals, n under each field name, a red "below popularity" mark over a field where
    the model scores under a popularity baseline (per panel), hatched bars where n is under ``min_n``, and the
    legend below the panels (it never covers bars).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2, default=str))
    k = result["k"]
    fields = list(result["fields"])
    rows = result["fields"]
    srcs = [s_ for s_ in SOURCES if any(rows[f].get(f"{s_}_one") is not None for f in fields)]
    width = 0.8 / max(len(srcs), 1)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), sharey=True)
    x = np.arange(len(fields))
    for ax, kind in zip(axes, ("one", "all")):
        for i, src in enumerate(srcs):
            vals = np.array([rows[f].get(f"{src}_{kind}") or 0.0 for f in fields])
            cis = [rows[f].get(f"{src}_{kind}_ci95") for f in fields]
            err = np.array([[v - c[0] if c else 0.0 for v, c in zip(vals, cis)],
                            [c[1] - v if c else 0.0 for v, c in zip(vals, cis)]])
            bars = ax.bar(x + (i - (len(srcs) - 1) / 2) * width, vals, width, yerr=err, capsize=2,
                          label=SOURCE_LABELS[src], error_kw={"elinewidth": 0.8})
            for bar, f in zip(bars, fields):
                if not rows[f].get("reliable", True):
                    bar.set_hatch("//")
        for j, f in enumerate(fields):
            base = [rows[f].get(f"{s_}_{kind}") for s_ in ("popularity", "popularity_recent")]
            base = [v for v in base if v is not None]
            if rows[f]["n"] and base and (rows[f].get(f"model_{kind}") or 0) < max(base):
                ax.annotate("below\npopularity", (j, 101), ha="center", va="bottom", color="red", fontsize=8,
                            fontweight="bold", annotation_clip=False)
        ax.set_xticks(x, [f"{LABELS[f]}\nn={rows[f]['n']}" for f in fields], rotation=30, ha="right")
        ax.set_title(f'Accuracy@{k} "{kind}"', pad=24)
        ax.set_ylim(0, 100)
    axes[0].set_ylabel("% of test prescriptions (95% Wilson interval)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(srcs), frameon=False)
    note = f"hatched: n < {result.get('min_n')} (unreliable)" if any(not rows[f].get("reliable", True)
                                                                   for f in fields) else ""
    if note:
        fig.text(0.99, 0.01, note, ha="right", fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(out_dir / "accuracy.png", dpi=110)
    plt.close(fig)
    window = (f"last {result.get('test_days')} days" if result.get("test_days") is not None
              else f"latest {result.get('test_share', TEST_SHARE):.0%} of the prescriptions")
    md = ["# Prescription recommender evaluation", "",
          (f"Split at {result.get('split_at')} (test: {window}, {result.get('test_prescriptions', result['rows'])} "
           f"prescriptions, {result['rows']} scored). Half-life {result.get('half_life_days')} days. "
           f"Fields with n < {result.get('min_n')} are unreliable."), "",
          markdown_table(result), ""]
    systems = result.get("diagnosis_code_systems")
    if systems:
        md += ["Diagnosis values in the test set by code system: "
               + ", ".join(f"{s_} {v}%" for s_, v in systems.items()) + ".", ""]
    md += ["![accuracy](accuracy.png)", ""]
    (out_dir / "report.md").write_text("\n".join(md))
    return {"metrics": out_dir / "metrics.json", "report": out_dir / "report.md", "plot": out_dir / "accuracy.png"}
