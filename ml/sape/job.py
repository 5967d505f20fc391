"""The daily SAPE scoring job: retrain on the labels, score every eligible consultation, write the scores.

Its steps are plain functions; the release path (:mod:`sehat.release.sape`) stages their output,
gates it and publishes the model and the scores, and the DAG ``sehat_consultation_quality`` calls
them in this order:

1. :func:`train_and_score` into the candidate directory: :func:`load_labelled` +
   :func:`eligible_sentences` (read the snapshot), :func:`train` (fits
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
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ml.sape.evaluate import LabelledData, split
from ml.sape.qualitative import SCORE_COLUMNS, SapeScorer
from sehat.config import Settings, settings

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
        " WHERE consultation_id IN"
        " (SELECT consultation_id FROM marts.fct_consultation_sentences WHERE is_labelled)").df()
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


GENERATED_LABELS_MARK = "(generated sample)"
"""The generator's labels README starts with a title holding this mark."""


def label_source(con, cfg: Settings) -> str:
    """Where the warehouse's SAPE labels came from: ``generated`` (the generator's sample: every
    file under the landing ``labels/`` folder, whose README the generator marks) or
    ``labelling-team:<files>`` (files a labelling team delivered)."""
    files = sorted(f for (f,) in con.execute(
        "SELECT DISTINCT source_file FROM raw.sape_sentence_labels WHERE source_file IS NOT NULL").fetchall())
    readme = cfg.data_dir / "labels" / "README.md"
    marked = readme.exists() and GENERATED_LABELS_MARK in readme.read_text().splitlines()[0]
    if marked and files and all(f.startswith("labels/") for f in files):
        return "generated"
    return "labelling-team:" + ",".join(files) if files else "none"


def train_and_score(out: Path, cfg: Settings | None = None, seed: int = 0) -> dict:
    """Read the snapshot, train, score every eligible consultation; write ``model.pkl``,
    ``scores.parquet`` and ``metrics.json`` into ``out`` (the release path's candidate directory)."""
    from sehat.warehouse import restricted_reader as reader  # a job: the full snapshot
    from sehat.warehouse import snapshot_fingerprint

    cfg = cfg or settings()
    with reader(cfg) as con:
        data = load_labelled(con)
        sentences = eligible_sentences(con)
        provenance = label_source(con, cfg)
    model, metrics = train(data, seed)
    model.label_source_ = metrics["label_source"] = provenance  # recorded in the manifest with the metrics
    scores = score(model, sentences, metrics["model_version"])
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "model.pkl", "wb") as fh:
        pickle.dump(model, fh)
    scores.to_parquet(out / "scores.parquet", index=False)
    metrics["eligible_consultations"] = int(sentences["consultation_id"].nunique()) if len(sentences) else 0
    metrics["data_snapshot"] = snapshot_fingerprint(cfg)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return {"candidate": str(out), "model_version": metrics["model_version"], "scored": len(scores),
            "eligible": metrics["eligible_consultations"]}


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
