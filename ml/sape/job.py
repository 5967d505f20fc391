"""The daily SAPE scoring job: retrain on the labels, score every eligible consultation, write the scores.

Its steps are plain functions; the release path (:mod:`sehat.release.sape`) stages their output,
gates it and publishes the model and the scores, and the DAG ``sehat_consultation_quality`` calls
them in this order:

1. :func:`load_labelled` + :func:`eligible_sentences` (read the snapshot), :func:`train` (fits
   :class:`~ml.sape.qualitative.SapeScorer` on a train part of the labelled consultations, measures
   it on the held-out part, refits on all labels) and :func:`score` (every eligible consultation,
   ``marts.fct_consultation_features.is_eligible``);
2. (release) gate and publish the model + scores;
3. :func:`write_scores` (writer pool): replaces the scored rows of ``ml.sape_scores`` with the
   published scores (one row per consultation, the latest score); the caller then rebuilds
   ``agg_doctor_consultation_quality`` and refreshes the snapshot.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from ml.sape.evaluate import LabelledData, split
from ml.sape.qualitative import SCORE_COLUMNS, SapeScorer
from sehat.config import Settings

MIN_LABELLED = 30  # fewer labelled consultations than this: no model is trained
SCORE_TABLE = "ml.sape_scores"

SCORE_DDL = f"""
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS {SCORE_TABLE} (
    consultation_id BIGINT PRIMARY KEY,
    {", ".join(f"{c} DOUBLE" for c in SCORE_COLUMNS)},
    model_version VARCHAR NOT NULL,
    scored_at TIMESTAMP NOT NULL
);
"""


class NotEnoughLabels(ValueError):
    """Too few labelled consultations to train and measure a model."""


def load_labelled(con) -> LabelledData:
    """Labelled sentences and consultations from the warehouse (snapshot connection)."""
    sentences = con.execute(
        "SELECT consultation_id, message_id, sentence_index, speaker, sentence,"
        " label_is_question AS is_question, label_category AS category"
        " FROM marts.fct_consultation_sentences WHERE is_labelled").df()
    consultations = con.execute(
        f"SELECT consultation_id, {', '.join(SCORE_COLUMNS)} FROM staging.stg_labels__sape_consultation_labels"
        " WHERE consultation_id IN (SELECT consultation_id FROM marts.fct_consultation_sentences WHERE is_labelled)").df()
    return LabelledData(sentence_labels=sentences, consultation_labels=consultations)


def eligible_sentences(con) -> pd.DataFrame:
    return con.execute(
        "SELECT s.consultation_id, s.message_id, s.sentence_index, s.speaker, s.sentence"
        " FROM marts.fct_consultation_sentences s JOIN marts.fct_consultation_features f USING (consultation_id)"
        " WHERE f.is_eligible").df()


def train(data: LabelledData, seed: int = 0, holdout: float = 0.2) -> tuple[SapeScorer, dict]:
    """Held-out metrics from a train/test split, then the model refitted on every label."""
    from threadpoolctl import threadpool_limits

    cl, sl = data.consultation_labels, data.sentence_labels
    if len(cl) < MIN_LABELLED:
        raise NotEnoughLabels(f"only {len(cl)} labelled consultations (need {MIN_LABELLED})")
    with threadpool_limits(1):
        train_ids, test_ids = split(cl["consultation_id"].to_numpy(), holdout, seed)
        held = SapeScorer(random_state=seed).fit(sl[sl.consultation_id.isin(train_ids)],
                                                 cl[cl.consultation_id.isin(train_ids)])
        te_s = sl[sl.consultation_id.isin(test_ids)]
        pred = held.predict(te_s).set_index("consultation_id")
        truth = cl.set_index("consultation_id").loc[pred.index]
        accepted = held.accepted_sentences(te_s)
        te_sorted = te_s.sort_values(["consultation_id", "message_id", "sentence_index"])
        metrics = {
            "labelled_consultations": len(cl), "labelled_sentences": len(sl),
            "holdout_consultations": len(pred),
            "sentence_accuracy": {c: float(np.mean(accepted[:, k] == (te_sorted["category"] == c).to_numpy()))
                                  for k, c in enumerate("SAP")},
            "subcategory_accuracy": {c: float(np.mean(pred[c] == truth[c])) for c in SCORE_COLUMNS[:6]},
            "category_accuracy": {c: float(np.mean(pred[c] == truth[c])) for c in SCORE_COLUMNS[8:]},
        }
        model = SapeScorer(random_state=seed).fit(sl, cl)
    digest = hashlib.sha256(pd.util.hash_pandas_object(cl, index=False).values.tobytes()).hexdigest()[:8]
    metrics["model_version"] = f"sape-{datetime.now(UTC):%Y%m%dT%H%M%S}-{digest}"
    return model, metrics


def score(model: SapeScorer, sentences: pd.DataFrame, version: str) -> pd.DataFrame:
    scores = model.predict(sentences) if len(sentences) else pd.DataFrame(columns=["consultation_id"] + SCORE_COLUMNS)
    scores["model_version"] = version
    scores["scored_at"] = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    return scores


def write_scores(scores: pd.DataFrame, cfg: Settings | None = None) -> dict:
    """Writer pool only: upsert the (published) scores into ``ml.sape_scores``."""
    from sehat.warehouse import writer

    with writer(cfg) as con:
        con.execute(SCORE_DDL)
        con.register("new_scores", scores)
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM {SCORE_TABLE} WHERE consultation_id IN (SELECT consultation_id FROM new_scores)")
        con.execute(f"INSERT INTO {SCORE_TABLE} SELECT consultation_id, {', '.join(SCORE_COLUMNS)},"
                    " model_version, scored_at FROM new_scores")
        con.execute("COMMIT")
        total = con.execute(f"SELECT count(*) FROM {SCORE_TABLE}").fetchone()[0]
    return {"written": len(scores), "table_rows": int(total)}
