"""Time-based evaluation: Accuracy@k "one" and "all" per field, model vs popularity vs best achievable.

Protocol (the order doctors enter a prescription): complaints are predicted from
the context only (doctor, speciality, patient age band and gender, month);
diagnoses from context + complaints + notes; molecules and brands from context +
complaints + diagnoses + notes; lab tests additionally from the medicines;
advice additionally from the lab tests. A prescription counts for a field only
when that field is non-empty. "one": at least one true entry in the top k;
"all": every true entry in the top k.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import duckdb
import numpy as np

from ml.prescriptions import data as rxdata
from ml.prescriptions.model import VISIBLE_BEFORE, PrescriptionRecommender

FIELDS = ("complaint", "diagnosis", "molecule", "brand", "lab_test", "advice")
LABELS = {"complaint": "Complaint", "diagnosis": "Diagnosis", "molecule": "Medicine molecule",
          "brand": "Medicine brand", "lab_test": "Lab test", "advice": "Advice"}


def split_by_time(source, work_dir: Path, test_days: int = 14) -> tuple[Path, Path, str]:
    """Write train (before the last ``test_days``) and test Parquet files; returns their paths and the cut.

    A history shorter than ``3 * test_days`` is cut at two thirds of its span instead, so a young
    warehouse (a few days of data) still trains on the past and tests on the latest period.
    """
    con = duckdb.connect()
    rel = rxdata._relation_sql(con, source)
    cut = con.execute(f"""
        SELECT greatest(max(t) - INTERVAL {int(test_days)} DAY, min(t) + (max(t) - min(t)) * 2 / 3)
        FROM (SELECT CAST(prescribed_at AS TIMESTAMP) AS t FROM {rel})""").fetchone()[0]
    train, test = work_dir / "train.parquet", work_dir / "test.parquet"
    con.execute(f"COPY (SELECT * FROM {rel} WHERE CAST(prescribed_at AS TIMESTAMP) <= '{cut}') TO '{train}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM {rel} WHERE CAST(prescribed_at AS TIMESTAMP) > '{cut}') TO '{test}' (FORMAT parquet)")
    con.close()
    return train, test, str(cut)


def _hit(ranked: list[str], truth: set[str], k: int) -> tuple[bool, bool]:
    top = set(ranked[:k])
    return bool(top & truth), truth <= top


def score(model: PrescriptionRecommender, test_source, k: int = 8, catalogue=None, oracle=None,
          max_rows: int | None = None) -> dict:
    """Accuracy@k one/all per field for the model, the popularity baseline and (with ``oracle``) the ceiling."""
    with rxdata.prepare(test_source, catalogue) as tables:
        pids = tables.pids()
        if max_rows and len(pids) > max_rows:
            pids = np.sort(np.random.default_rng(0).choice(pids, max_rows, replace=False))
        queries = tables.queries(pids)
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
    counts = {src: {f: [0, 0, 0] for f in FIELDS} for src in ("model", "popularity", "best_achievable")}
    popular = {f: [model.vocab_[f][i] for i in np.argsort(-model.prior_[f])[:k]] for f in FIELDS if f in model.vocab_}
    predicted = model.predict(queries, n=k, entry_order=True)
    for i, q in enumerate(queries):
        for f in FIELDS:
            truth = set(q.items.get(f, []))
            if not truth:
                continue
            results = {"model": predicted[i][f], "popularity": popular.get(f, [])}
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
    out = {"k": k, "rows": len(queries), "fields": {}}
    for f in FIELDS:
        row = {"n": counts["model"][f][0]}
        for src, c in counts.items():
            if src == "best_achievable" and oracle is None:
                continue
            row[f"{src}_one"] = round(100 * c[f][1] / c[f][0], 2) if c[f][0] else None
            row[f"{src}_all"] = round(100 * c[f][2] / c[f][0], 2) if c[f][0] else None
        out["fields"][f] = row
    return out


def evaluate(source, test_days: int = 14, k: int = 8, catalogue=None, truth_dir: Path | None = None,
             model_params: dict | None = None, max_rows: int | None = 3000, work_dir: Path | None = None) -> dict:
    """Split by time, fit on the past, score the latest ``test_days``."""
    from ml.prescriptions.oracle import Oracle

    with tempfile.TemporaryDirectory() as tmp:
        wd = Path(work_dir or tmp)
        train, test, cut = split_by_time(source, wd, test_days)
        with rxdata.prepare(train, catalogue) as tables:
            model = PrescriptionRecommender(**(model_params or {})).fit(tables)
        # the oracle sees the patients' history before the split, as the model does
        oracle = Oracle(truth_dir, history=train) if truth_dir and Path(truth_dir, "customers.parquet").exists() \
            else None
        result = score(model, test, k, catalogue, oracle, max_rows)
    result.update({"split_at": cut, "test_days": test_days, "train": model.data_summary_, "fit_timing": model.timing_})
    return result


def markdown_table(result: dict) -> str:
    k = result["k"]
    has_best = any("best_achievable_one" in r for r in result["fields"].values())
    head = f"| field | n | model one@{k} | model all@{k} | popularity one@{k} | popularity all@{k} |"
    sep = "| --- | ---: | ---: | ---: | ---: | ---: |"
    if has_best:
        head += f" best achievable one@{k} | best achievable all@{k} |"
        sep += " ---: | ---: |"
    lines = [head, sep]
    for f, r in result["fields"].items():
        line = (f"| {LABELS[f]} | {r['n']} | {r['model_one']} | {r['model_all']} | {r['popularity_one']} | "
                f"{r['popularity_all']} |")
        if has_best:
            line += f" {r.get('best_achievable_one')} | {r.get('best_achievable_all')} |"
        lines.append(line)
    return "\n".join(lines)


def write_report(result: dict, out_dir: Path) -> dict[str, Path]:
    """``metrics.json``, ``report.md`` (table) and ``accuracy.png`` (per field: model, baseline, best)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2, default=str))
    k = result["k"]
    fields = list(result["fields"])
    series = [("model", "model"), ("popularity", "popularity baseline"), ("best_achievable", "best achievable")]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    x = np.arange(len(fields))
    for ax, kind in zip(axes, ("one", "all")):
        for i, (src, label) in enumerate(series):
            vals = [result["fields"][f].get(f"{src}_{kind}") for f in fields]
            if all(v is None for v in vals):
                continue
            ax.bar(x + (i - 1) * 0.27, [v or 0 for v in vals], 0.27, label=label)
        ax.set_xticks(x, [LABELS[f] for f in fields], rotation=30, ha="right")
        ax.set_title(f'Accuracy@{k} "{kind}"')
        ax.set_ylim(0, 100)
    axes[0].set_ylabel("% of test prescriptions")
    axes[0].legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(out_dir / "accuracy.png", dpi=110)
    plt.close(fig)
    md = ["# Prescription recommender evaluation", "",
          f"Split at {result.get('split_at')} (test: last {result.get('test_days')} days, {result['rows']} prescriptions).",
          "", markdown_table(result), "", "![accuracy](accuracy.png)", ""]
    (out_dir / "report.md").write_text("\n".join(md))
    return {"metrics": out_dir / "metrics.json", "report": out_dir / "report.md", "plot": out_dir / "accuracy.png"}
