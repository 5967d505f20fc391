"""The comparison report: dictionary vs trained question classifier, quantitative vs qualitative.

:func:`evaluate` splits the labelled consultations into train and held-out test (by consultation,
seeded), fits every model on train, scores the test part against the labels, and - when the generating
truth is given - the **best achievable** accuracy: the truth itself scored against the (noisy) labels.
It writes ``report.md``, ``report.json`` and PNG plots (matplotlib, Agg) into ``out_dir``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ml.sape.baseline import BalancedBaseline
from ml.sape.dictionary import DictionaryQuestionClassifier
from ml.sape.features import NUMERIC, quantitative_features
from ml.sape.qualitative import SapeScorer
from ml.sape.quantitative import MODELS, SAMPLERS, QuantitativeScorer
from ml.sape.question import QuestionClassifier, strip_question_marks
from ml.sape.sentence import SAP
from sehat.sources.chats import CATEGORIES, SUBCATEGORIES

KEYS = ["consultation_id", "message_id", "sentence_index"]


@dataclass
class LabelledData:
    """What training and evaluation need (the documented file format, ``data/labels/README.md``).

    ``messages``/``consultations`` (optional) feed the quantitative approach; ``truth_*`` (optional,
    generated data only) give the best achievable accuracy.
    """

    sentence_labels: pd.DataFrame
    consultation_labels: pd.DataFrame
    messages: pd.DataFrame | None = None
    consultations: pd.DataFrame | None = None
    truth_sentences: pd.DataFrame | None = None
    truth_consultations: pd.DataFrame | None = None

    @classmethod
    def from_corpus(cls, tables: dict) -> LabelledData:
        return cls(**{k: tables[v].to_pandas() for k, v in (
            ("sentence_labels", "sentence_labels"), ("consultation_labels", "consultation_labels"),
            ("messages", "messages"), ("consultations", "consultations"),
            ("truth_sentences", "truth_sentences"), ("truth_consultations", "truth_consultations"))})

    @classmethod
    def from_files(cls, consultation_file: Path, sentence_file: Path, truth_dir: Path | None = None) -> LabelledData:
        truth = {}
        if truth_dir and (Path(truth_dir) / "sape_sentences.parquet").exists():
            truth = {"truth_sentences": read_table(Path(truth_dir) / "sape_sentences.parquet"),
                     "truth_consultations": read_table(Path(truth_dir) / "sape_consultations.parquet")}
        return cls(sentence_labels=read_table(sentence_file), consultation_labels=read_table(consultation_file),
                   **truth)


def read_table(path: Path) -> pd.DataFrame:
    """A Parquet or CSV file in the label format."""
    path = Path(path)
    return pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)


def split(ids: np.ndarray, test_share: float, seed: int) -> tuple[set, set]:
    ids = np.unique(ids)
    test = set(np.random.default_rng(seed).choice(ids, round(len(ids) * test_share), replace=False).tolist())
    return set(ids.tolist()) - test, test


def evaluate(data: LabelledData, out_dir: Path | None = None, test_share: float = 0.25, seed: int = 0,
             quantitative: bool = True) -> dict:
    """Fit on train, measure on held-out consultations; returns the figures (and writes the report).

    Runs single-threaded (BLAS/OpenMP limited to one thread): on a shared machine oversubscribed
    OpenMP threads made gradient boosting ten times slower.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _evaluate(data, out_dir, test_share, seed, quantitative)


def _evaluate(data: LabelledData, out_dir: Path | None, test_share: float, seed: int, quantitative: bool) -> dict:
    sl, cl = data.sentence_labels, data.consultation_labels
    train_ids, test_ids = split(cl["consultation_id"].to_numpy(), test_share, seed)
    tr_s, te_s = sl[sl.consultation_id.isin(train_ids)], sl[sl.consultation_id.isin(test_ids)]
    tr_c, te_c = cl[cl.consultation_id.isin(train_ids)], cl[cl.consultation_id.isin(test_ids)]
    te_s = te_s.sort_values(KEYS).reset_index(drop=True)
    truth_s = (te_s[KEYS].merge(data.truth_sentences, on=KEYS, how="left")
               if data.truth_sentences is not None else None)
    report: dict = {"train_consultations": len(tr_c), "test_consultations": len(te_c),
                    "train_sentences": len(tr_s), "test_sentences": len(te_s)}

    # question classifier: dictionary (baseline) vs trained SVM
    qc = None
    if "is_question" in sl.columns:
        y_q = te_s["is_question"].astype(bool).to_numpy()
        qc = QuestionClassifier().fit(tr_s["sentence"], tr_s["is_question"].astype(bool))
        stripped = te_s.loc[y_q, "sentence"].map(strip_question_marks)
        report["question"] = {
            "dictionary": _acc(DictionaryQuestionClassifier().fit(None).predict(te_s["sentence"]), y_q),
            "trained_svm": _acc(qc.predict(te_s["sentence"]), y_q),
            "best_achievable": (_acc(truth_s["is_question"].astype(bool).to_numpy(), y_q)
                                if truth_s is not None else None),
            "recall_without_question_mark": _acc(qc.predict(stripped), True) if len(stripped) else None,
        }

    # qualitative: sentence classifiers, subcategories, categories
    model = SapeScorer().fit(tr_s, tr_c)
    accepted = model.accepted_sentences(te_s)
    reference = BalancedBaseline().fit(tr_s["sentence"], tr_s["category"]).predict(te_s["sentence"])
    report["sentence"] = {}
    for k, cat in enumerate(SAP):
        y = (te_s["category"] == cat).to_numpy()
        report["sentence"][cat] = {"model": _acc(accepted[:, k], y), "best_achievable":
                                   _acc((truth_s["category"] == cat).to_numpy(), y) if truth_s is not None else None,
                                   "balanced_accuracy": _balanced(accepted[:, k], y),
                                   "balanced_reference": _balanced(reference[:, k], y)}
    pred = model.predict(te_s).set_index("consultation_id")
    labels = te_c.set_index("consultation_id").loc[pred.index]
    truth_c = (data.truth_consultations.set_index("consultation_id").loc[pred.index]
               if data.truth_consultations is not None else None)
    scored = [col for col in list(SUBCATEGORIES) + [f"{c.lower()}_score" for c in CATEGORIES]
              if col in labels.columns and pred[col].notna().all()]  # a user's file may hold only some columns
    report["qualitative"] = {col: {"model": _acc(pred[col], labels[col]),
                                   "best_achievable": _acc(truth_c[col], labels[col]) if truth_c is not None else None,
                                   "majority": _acc(np.full(len(labels), labels[col].mode()[0]), labels[col])}
                             for col in scored}

    # quantitative: features -> category score, every model x sampler
    features = None
    if quantitative and qc is not None and data.messages is not None and data.consultations is not None:
        flags = _question_flags(data.messages, qc)
        features = quantitative_features(data.messages, data.consultations, flags).set_index("consultation_id")
        report["quantitative"] = {}
        for cat in SAP:
            col = f"{cat.lower()}_score"
            if col not in tr_c.columns:
                continue
            ytr = tr_c.set_index("consultation_id")[col]
            yte = labels[col]
            Xtr, Xte = features.loc[ytr.index, NUMERIC], features.loc[yte.index, NUMERIC]
            results = {}
            for m in MODELS:
                for s in SAMPLERS:
                    p = QuantitativeScorer(model=m, sampler=s, random_state=seed).fit(Xtr, ytr.astype(str)).predict(Xte)
                    results[f"{m}+{s}"] = _acc(p, yte.astype(str).to_numpy())
            best = max(results, key=results.get)
            report["quantitative"][cat] = {"by_model": results, "best_model": best, "best": results[best],
                                           "majority": report["qualitative"][col]["majority"]}

    if out_dir is not None:
        write_report(report, Path(out_dir), features, cl)
    return report


def _question_flags(messages: pd.DataFrame, qc) -> pd.DataFrame:
    from ml.sape.text import split_sentences

    rows = [(cid, speaker, s) for cid, speaker, body in messages[["consultation_id", "speaker", "body"]]
            .itertuples(index=False) for s in split_sentences(body)]
    flags = pd.DataFrame(rows, columns=["consultation_id", "speaker", "sentence"])
    flags["is_question"] = qc.predict(flags["sentence"])
    return flags[["consultation_id", "speaker", "is_question"]]


def _acc(pred, y) -> float:
    return round(float(np.mean(np.asarray(pred) == np.asarray(y))), 4)


def _balanced(pred, y) -> float | None:
    from sklearn.metrics import balanced_accuracy_score

    y = np.asarray(y, bool)
    return round(float(balanced_accuracy_score(y, np.asarray(pred, bool))), 4) if 0 < y.sum() < len(y) else None


def comparison_rows(report: dict) -> list[tuple]:
    """(category, quantitative best, qualitative, best achievable, majority) per S/A/P."""
    rows = []
    for cat in SAP:
        col = f"{cat.lower()}_score"
        q = report.get("quantitative", {}).get(cat, {})
        r = report["qualitative"].get(col, {})
        rows.append((cat, q.get("best"), q.get("best_model"), r.get("model"), r.get("best_achievable"),
                     r.get("majority")))
    return rows


def markdown(report: dict) -> str:
    f = lambda v: "-" if v is None else f"{100 * v:.1f}%"
    out = ["# SAPE evaluation (held-out consultations)", "",
           (f"Train {report['train_consultations']} consultations / {report['train_sentences']} sentences; "
           f"test {report['test_consultations']} / {report['test_sentences']}."), "",
           "## Category score (0 / 0.5 / 1.0): quantitative vs qualitative", "",
           "| category | quantitative (best model) | qualitative | best achievable | majority class |",
           "| --- | --- | --- | --- | --- |"]
    for cat, qbest, qmodel, qual, best, maj in comparison_rows(report):
        out.append(f"| {cat} | {f(qbest)} ({qmodel or '-'}) | {f(qual)} | {f(best)} | {f(maj)} |")
    e = report["qualitative"].get("e_score")
    if e:
        out.append(f"| E (dictionary) | - | {f(e['model'])} | {f(e['best_achievable'])} | {f(e['majority'])} |")
    out += ["", "## Subcategories (0 / 0.5)", "", "| subcategory | model | best achievable | majority |",
            "| --- | --- | --- | --- |"]
    for sub in [s for s in SUBCATEGORIES if s in report["qualitative"]]:
        r = report["qualitative"][sub]
        out.append(f"| {sub} | {f(r['model'])} | {f(r['best_achievable'])} | {f(r['majority'])} |")
    out += ["", "## Sentence classifiers (binary, per category)", "",
            "| category | model | best achievable | balanced accuracy | balanced reference (ml.sape.baseline) |",
            "| --- | --- | --- | --- | --- |"]
    for cat, r in report["sentence"].items():
        out.append(f"| {cat} | {f(r['model'])} | {f(r['best_achievable'])} | {f(r.get('balanced_accuracy'))} | "
                   f"{f(r.get('balanced_reference'))} |")
    q = report.get("question")
    if q:
        out += ["", "## Question classifier", "",
                "| dictionary | trained SVM | best achievable | SVM recall on questions without \"?\" |",
                "| --- | --- | --- | --- |",
                (f"| {f(q['dictionary'])} | {f(q['trained_svm'])} | {f(q['best_achievable'])} | "
                f"{f(q.get('recall_without_question_mark'))} |")]
    if "quantitative" in report:
        out += ["", "## Quantitative approach: every model x sampler", "",
                "| category | " + " | ".join(report["quantitative"]["S"]["by_model"]) + " |",
                "| --- | " + " | ".join("---" for _ in report["quantitative"]["S"]["by_model"]) + " |"]
        for cat, r in report["quantitative"].items():
            out.append(f"| {cat} | " + " | ".join(f(v) for v in r["by_model"].values()) + " |")
    out += ["", "Plots: `accuracy_comparison.png`, `question_classifier.png`, `feature_distributions_S.png`."]
    return "\n".join(out) + "\n"


def write_report(report: dict, out_dir: Path, features: pd.DataFrame | None, labels: pd.DataFrame) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (out_dir / "report.md").write_text(markdown(report))

    rows = comparison_rows(report)
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (name, idx) in enumerate((("quantitative (best)", 1), ("qualitative", 3), ("best achievable", 4),
                                     ("majority", 5))):
        ax.bar(x + (i - 1.5) * 0.2, [r[idx] or 0 for r in rows], 0.2, label=name)
    ax.set_xticks(x, [r[0] for r in rows])
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy (held-out)")
    ax.set_title("SAPE category score accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_dir / "accuracy_comparison.png", dpi=100)
    plt.close(fig)

    q = report.get("question") or {"dictionary": 0, "trained_svm": 0, "best_achievable": 0}
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(["dictionary", "trained SVM", "best achievable"],
           [q["dictionary"], q["trained_svm"], q["best_achievable"] or 0], color=["grey", "tab:blue", "tab:green"])
    ax.set_ylim(0, 1)
    ax.set_title("Question classifier accuracy")
    fig.tight_layout()
    fig.savefig(out_dir / "question_classifier.png", dpi=100)
    plt.close(fig)

    if features is not None and "s_score" in labels.columns:
        fig = feature_distribution_figure(features, labels)
        fig.savefig(out_dir / "feature_distributions_S.png", dpi=80)
        plt.close(fig)
    return out_dir


def feature_distribution_figure(features: pd.DataFrame, labels: pd.DataFrame):
    """Histograms (density, with its y-scale) of the normalised quantitative features per Subjective score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = labels.set_index("consultation_id")["s_score"]
    f = features.loc[features.index.intersection(s.index), NUMERIC]
    norm = (f - f.min()) / (f.max() - f.min()).replace(0, 1)
    cols = NUMERIC[:9]
    fig, axes = plt.subplots(len(cols), 3, figsize=(9, 1.6 * len(cols)), sharex=True, sharey="row")
    for i, col in enumerate(cols):
        for j, score in enumerate((0.0, 0.5, 1.0)):
            ax = axes[i, j]
            ax.hist(norm.loc[s.loc[norm.index] == score, col], bins=20, range=(0, 1), density=True)
            if i == 0:
                ax.set_title(f"S score {score}")
            if j == 0:
                ax.set_ylabel(f"{col}\n(density)", fontsize=7, rotation=0, ha="right")
            ax.tick_params(axis="y", labelsize=6)
    fig.suptitle("Normalised quantitative features per Subjective score (they overlap)")
    fig.tight_layout()
    return fig
