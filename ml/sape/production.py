"""Daily SAPE scoring in production: retrain on the labels, score every eligible consultation, gate, publish.

The steps (each a function the DAG ``sehat_consultation_quality`` calls; a candidate directory
``$SEHAT_PUBLISH_DIR/.candidates/sape/<run>/`` carries the work between them):

1. :func:`train_candidate` (reads the snapshot): fits :class:`~ml.sape.qualitative.SapeScorer` on a
   train part of the labelled consultations, measures it on the held-out part (the gate's metrics),
   refits on all labels, scores every eligible consultation (``marts.consultation_features.is_eligible``)
   and stages ``model.pkl``, ``scores.parquet`` and ``metrics.json``;
2. :func:`validate_candidate`: Great Expectations on the scores (one row per eligible consultation,
   scores in 0 / 0.5 / 1.0, model version set) plus held-out accuracy floors; raises :class:`SapeGateFailed`
   and nothing is published;
3. :func:`publish_candidate`: model to ``$SEHAT_PUBLISH_DIR/models/sape/<version>/`` and the atomic
   ``CURRENT`` pointer;
4. :func:`write_scores` (writer pool): replaces the scored rows of ``ml.sape_scores`` (one row per
   consultation, the latest score), then the caller rebuilds ``doctor_consultation_quality`` and refreshes
   the snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ml.sape.evaluate import LabelledData, split
from ml.sape.qualitative import SCORE_COLUMNS, SapeScorer
from sehat.config import Settings, settings

# held-out floors below which a retrained model is not published (documented in docs/sape.md)
MIN_SENTENCE_ACCURACY = 0.80
MIN_SUBCATEGORY_ACCURACY = 0.65
MIN_LABELLED = 30
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


class SapeGateFailed(RuntimeError):
    """The scores or the model failed the quality gate: nothing was published."""


def candidate_dir(run_id: str, cfg: Settings | None = None) -> Path:
    from sehat.gate import safe_run_id

    cfg = cfg or settings()
    return cfg.publish_dir / ".candidates" / "sape" / safe_run_id(run_id)


def model_dir(cfg: Settings | None = None) -> Path:
    return (cfg or settings()).publish_dir / "models" / "sape"


def load_labelled(con) -> LabelledData:
    """Labelled sentences and consultations from the warehouse (snapshot connection)."""
    sentences = con.execute(
        "SELECT consultation_id, message_id, sentence_index, speaker, sentence,"
        " label_is_question AS is_question, label_category AS category"
        " FROM marts.consultation_sentences WHERE is_labelled").df()
    consultations = con.execute(
        f"SELECT consultation_id, {', '.join(SCORE_COLUMNS)} FROM staging.stg_labels__sape_consultation_labels"
        " WHERE consultation_id IN (SELECT consultation_id FROM marts.consultation_sentences WHERE is_labelled)").df()
    return LabelledData(sentence_labels=sentences, consultation_labels=consultations)


def eligible_sentences(con) -> pd.DataFrame:
    return con.execute(
        "SELECT s.consultation_id, s.message_id, s.sentence_index, s.speaker, s.sentence"
        " FROM marts.consultation_sentences s JOIN marts.consultation_features f USING (consultation_id)"
        " WHERE f.is_eligible").df()


def train(data: LabelledData, seed: int = 0, holdout: float = 0.2) -> tuple[SapeScorer, dict]:
    """Held-out metrics from a train/test split, then the model refitted on every label."""
    from threadpoolctl import threadpool_limits

    cl, sl = data.consultation_labels, data.sentence_labels
    if len(cl) < MIN_LABELLED:
        raise SapeGateFailed(f"only {len(cl)} labelled consultations (need {MIN_LABELLED})")
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


def train_candidate(run_id: str, cfg: Settings | None = None, seed: int = 0) -> dict:
    """Step 1 (read-only): train, score every eligible consultation, stage the candidate."""
    from sehat.warehouse import restricted_reader as reader  # staging: the restricted snapshot

    cfg = cfg or settings()
    with reader(cfg) as con:
        data = load_labelled(con)
        sentences = eligible_sentences(con)
    model, metrics = train(data, seed)
    scores = score(model, sentences, metrics["model_version"])
    out = candidate_dir(run_id, cfg)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with open(out / "model.pkl", "wb") as fh:
        pickle.dump(model, fh)
    scores.to_parquet(out / "scores.parquet", index=False)
    metrics["eligible_consultations"] = int(sentences["consultation_id"].nunique()) if len(sentences) else 0
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return {"candidate": str(out), "model_version": metrics["model_version"], "scored": len(scores),
            "eligible": metrics["eligible_consultations"]}


def floors() -> dict[str, float]:
    """Held-out accuracy floors; ``SEHAT_SAPE_MIN_SENTENCE_ACCURACY`` / ``..._SUBCATEGORY_ACCURACY`` override."""
    return {"sentence_accuracy": float(os.environ.get("SEHAT_SAPE_MIN_SENTENCE_ACCURACY", MIN_SENTENCE_ACCURACY)),
            "subcategory_accuracy": float(os.environ.get("SEHAT_SAPE_MIN_SUBCATEGORY_ACCURACY",
                                                         MIN_SUBCATEGORY_ACCURACY))}


def gate_checks(scores: pd.DataFrame, metrics: dict) -> list[dict]:
    """Great Expectations on the scores + accuracy floors on the held-out metrics; one dict per check."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    e = gx.expectations
    suite = gx.ExpectationSuite(name="sape_scores")
    suite.add_expectation(e.ExpectTableRowCountToEqual(value=int(metrics["eligible_consultations"])))
    suite.add_expectation(e.ExpectColumnValuesToBeUnique(column="consultation_id"))
    suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column="model_version"))
    for col in SCORE_COLUMNS:
        values = [0.0, 0.5] if col in SCORE_COLUMNS[:8] else [0.0, 0.5, 1.0]
        suite.add_expectation(e.ExpectColumnValuesToBeInSet(column=col, value_set=values))
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=col))
    batch = (context.data_sources.add_pandas("sape").add_dataframe_asset("scores")
             .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": scores}))
    result = batch.validate(suite)
    checks = [{"check": r.expectation_config.type, "column": r.expectation_config.kwargs.get("column"),
               "success": bool(r.success), "observed": str(r.result.get("observed_value", r.result.get(
                   "unexpected_count", "")))} for r in result.results]
    for name, floor in floors().items():
        worst = min(metrics[name].values())
        checks.append({"check": f"min_{name}", "column": None, "success": worst >= floor,
                       "observed": f"{worst:.3f} (floor {floor})"})
    return checks


def validate_candidate(run_id: str, cfg: Settings | None = None) -> dict:
    """Step 2: the quality gate. Raises :class:`SapeGateFailed` (nothing published) on any failed check."""
    out = candidate_dir(run_id, cfg)
    scores = pd.read_parquet(out / "scores.parquet")
    metrics = json.loads((out / "metrics.json").read_text())
    checks = gate_checks(scores, metrics)
    (out / "gate.json").write_text(json.dumps(checks, indent=2))
    failed = [c for c in checks if not c["success"]]
    if failed:
        raise SapeGateFailed("SAPE gate failed, nothing published: " + ", ".join(
            f"{c['check']}({c['column'] or ''}): {c['observed']}" for c in failed))
    (out / "PASSED").write_text(metrics["model_version"])
    return {"passed": True, "checks": len(checks), "model_version": metrics["model_version"]}


def publish_candidate(run_id: str, cfg: Settings | None = None) -> dict:
    """Step 3: copy the validated model to models/sape/<version>/ and swap CURRENT atomically."""
    cfg = cfg or settings()
    src = candidate_dir(run_id, cfg)
    if not (src / "PASSED").exists():
        raise SapeGateFailed(f"candidate {src} has not passed the gate")
    version = (src / "PASSED").read_text().strip()
    dest = model_dir(cfg) / version
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("model.pkl", "metrics.json", "gate.json"):
        shutil.copy2(src / name, dest / name)
    tmp = model_dir(cfg) / f".CURRENT.{os.getpid()}.tmp"
    tmp.write_text(version)
    os.replace(tmp, model_dir(cfg) / "CURRENT")
    return {"model_version": version, "path": str(dest)}


def current_model(cfg: Settings | None = None) -> tuple[str, SapeScorer] | None:
    pointer = model_dir(cfg) / "CURRENT"
    if not pointer.exists():
        return None
    version = pointer.read_text().strip()
    with open(model_dir(cfg) / version / "model.pkl", "rb") as fh:
        return version, pickle.load(fh)


def write_scores(run_id: str, cfg: Settings | None = None) -> dict:
    """Step 4 (writer pool only): upsert the gated scores into ``ml.sape_scores``."""
    from sehat.warehouse import writer

    src = candidate_dir(run_id, cfg)
    if not (src / "PASSED").exists():
        raise SapeGateFailed(f"candidate {src} has not passed the gate")
    scores = pd.read_parquet(src / "scores.parquet")
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
