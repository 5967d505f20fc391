"""Train the SAPE scorer on a user's labelled files and measure it honestly.

What the files must hold (docs/sape.md, "Label files"):

* sentence labels (required): ``consultation_id, message_id, sentence_index, speaker, sentence, category``
  (category S / A / P / E or empty); ``is_question`` (optional) adds the question classifier's figures;
* consultation labels (optional): ``consultation_id`` + any of the subcategory columns. A missing or
  one-class column skips that subcategory with a reason instead of failing.

:func:`train` splits by consultation (seeded), reports per category accuracy, balanced accuracy and
macro-F1 beside the majority baseline, refits on everything, and records where the labels came from
(``label_source``: ``generated`` or the labelling team's files) in the model (``label_source_``) and in
the metrics: the release step copies ``metrics`` into the model's manifest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, recall_score

from ml.sape.baseline import BalancedBaseline
from ml.sape.evaluate import LabelledData, split
from ml.sape.qualitative import SapeScorer
from ml.sape.question import QuestionClassifier, strip_question_marks
from ml.sape.sentence import SAP
from sehat.sources.chats import SUBCATEGORIES

SENTENCE_COLUMNS = ["consultation_id", "message_id", "sentence_index", "speaker", "sentence", "category"]
KEYS = ["consultation_id", "message_id", "sentence_index"]


class LabelError(ValueError):
    """Labelled files the trainer cannot use; the message is one line saying what to fix."""


def check_sentences(sentences: pd.DataFrame) -> None:
    missing = [c for c in SENTENCE_COLUMNS if c not in sentences.columns]
    if missing:
        raise LabelError(f"sentence labels lack column(s) {', '.join(missing)} "
                         f"(required: {', '.join(SENTENCE_COLUMNS)}; see docs/sape.md)")
    if sentences.empty:
        raise LabelError("sentence labels file has no rows")


def binary_figures(y_true, y_pred) -> dict:
    """n, accuracy, balanced accuracy, macro-F1, positive-class F1 and recall, and the majority baseline."""
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    majority = np.full(len(y_true), y_true.mean() >= 0.5)
    return {
        "n": len(y_true), "positives": int(y_true.sum()),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "balanced_accuracy": round(float(balanced_accuracy_score(y_true, y_pred)), 4) if len(set(y_true)) > 1 else None,
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
        "positive_f1": round(float(f1_score(y_true, y_pred, zero_division=0)), 4),
        "positive_recall": round(float(recall_score(y_true, y_pred, zero_division=0)), 4),
        "majority": {"accuracy": round(float(accuracy_score(y_true, majority)), 4), "balanced_accuracy": 0.5,
                     "macro_f1": round(float(f1_score(y_true, majority, average="macro", zero_division=0)), 4)},
    }


def score_model(model: SapeScorer, sentences: pd.DataFrame, consultation_labels: pd.DataFrame | None = None,
                baseline: BalancedBaseline | None = None) -> dict:
    """Figures of a fitted model on labelled sentences (and consultation labels when given).

    Each sentence category also gets ``balanced_reference``: the figures of the balanced baseline
    (:mod:`ml.sape.baseline`) fitted on the same training labels (``baseline``, else the one the model
    carries as ``baseline_``; None for a model saved without one)."""
    check_sentences(sentences)
    ordered = sentences.sort_values(KEYS, kind="stable").reset_index(drop=True)
    accepted = model.accepted_sentences(ordered)
    baseline = baseline if baseline is not None else getattr(model, "baseline_", None)
    reference = baseline.predict(ordered["sentence"]) if baseline is not None else None
    out = {"sentences": len(ordered), "consultations": int(ordered["consultation_id"].nunique()), "sentence": {}}
    for k, c in enumerate(SAP):
        y = ordered["category"].to_numpy() == c
        figures = binary_figures(y, accepted[:, k])
        figures["balanced_reference"] = (None if reference is None else
                                         {m: v for m, v in binary_figures(y, reference[:, k]).items()
                                          if m in ("accuracy", "balanced_accuracy", "macro_f1", "positive_f1")})
        out["sentence"][c] = figures
    if consultation_labels is not None:
        pred = model.predict(ordered).set_index("consultation_id")
        truth = consultation_labels.set_index("consultation_id").reindex(pred.index)
        out["subcategory"] = {}
        for sub in SUBCATEGORIES:
            if sub in truth.columns and sub in model.subcategory_models_:
                out["subcategory"][sub] = binary_figures(truth[sub].fillna(0).to_numpy() > 0, pred[sub].to_numpy() > 0)
    return out


def question_figures(train: pd.DataFrame, test: pd.DataFrame, seed: int = 0) -> dict | None:
    """Trained question classifier on the split: accuracy, and recall on the test questions with "?" removed."""
    if "is_question" not in train.columns or train["is_question"].nunique() < 2 or test.empty:
        return None
    qc = QuestionClassifier(random_state=seed).fit(train["sentence"], train["is_question"].astype(bool))
    y = test["is_question"].astype(bool).to_numpy()
    questions = test.loc[y, "sentence"].map(strip_question_marks)
    return {**binary_figures(y, qc.predict(test["sentence"])),
            "recall_without_question_mark": round(float(qc.predict(questions).mean()), 4) if len(questions) else None,
            "augmented_with_stripped_copies": qc.augment}


def train(data: LabelledData, seed: int = 0, holdout: float = 0.2,
          label_source: str = "generated") -> tuple[SapeScorer, dict]:
    """Held-out figures from a split by consultation, then the model refitted on every label.

    Raises :class:`LabelError` (one line) when the sentence labels cannot train anything.
    """
    from threadpoolctl import threadpool_limits

    sl, cl = data.sentence_labels, data.consultation_labels
    check_sentences(sl)
    if cl is not None and "consultation_id" not in cl.columns:
        raise LabelError("consultation labels lack column consultation_id (see docs/sape.md)")
    with threadpool_limits(1):
        train_ids, test_ids = split(sl["consultation_id"].to_numpy(), holdout, seed)
        tr_s, te_s = sl[sl.consultation_id.isin(train_ids)], sl[sl.consultation_id.isin(test_ids)]
        tr_c = cl[cl.consultation_id.isin(train_ids)] if cl is not None else None
        te_c = cl[cl.consultation_id.isin(test_ids)] if cl is not None else None
        held = SapeScorer(random_state=seed).fit(tr_s, tr_c)
        reference = BalancedBaseline().fit(tr_s["sentence"], tr_s["category"])
        metrics = {"label_source": label_source, "labelled_sentences": len(sl),
                   "labelled_consultations": int(sl["consultation_id"].nunique()),
                   "holdout": score_model(held, te_s, te_c, reference),
                   "question": question_figures(tr_s, te_s, seed)}
        model = SapeScorer(random_state=seed).fit(sl, cl)
        model.baseline_ = BalancedBaseline().fit(sl["sentence"], sl["category"])  # for evaluate --model --test
    model.label_source_ = label_source
    metrics["imbalance"] = model.sentence_model_.imbalance_
    metrics["skipped"] = model.skipped_
    return model, metrics
