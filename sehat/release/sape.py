"""The SAPE scorer and its scores through the release path.

A :class:`~sehat.release.store.Release` ``("models", "sape")``; one publication per retrain::

    $SEHAT_PUBLISH_DIR/models/sape/<model version>/model.pkl, scores.parquet, metrics.json, manifest.json
    $SEHAT_PUBLISH_DIR/models/sape/CURRENT

The DAG ``sehat_consultation_quality`` runs :func:`train_candidate` (the job's training and scoring,
:func:`ml.sape.job.train_and_score`, staged as a candidate), :func:`validate_candidate` (Great Expectations on the
scores: one row per eligible consultation, scores in 0 / 0.5 / 1.0, model version set; no PII; held-out accuracy floors;
a failure raises :class:`~sehat.release.checks.GateFailed` and nothing is published),
:func:`publish_candidate` (versioned directory + atomic ``CURRENT``), then ``ml.sape.job.write_scores``
with the **live** scores (:func:`live_scores`) in the writer pool.
"""

from __future__ import annotations

import json
import os
import pickle

import pandas as pd

from ml.sape.job import train_and_score
from sehat.config import Settings, settings
from sehat.release.checks import (
    GateFailed,
    KnownPII,
    check,
    known_pii_in_snapshot,
    new_suite,
    pii_check,
    run_suite,
    write_data_docs,
)
from sehat.release.store import Release

NAME = "sape"
# held-out floors below which a retrained model is not published (documented in docs/sape.md)
MIN_SENTENCE_ACCURACY = 0.80
MIN_SUBCATEGORY_ACCURACY = 0.65


def release(cfg: Settings | None = None) -> Release:
    return Release("models", NAME, cfg)


def floors() -> dict[str, float]:
    """Held-out accuracy floors; ``SEHAT_SAPE_MIN_SENTENCE_ACCURACY`` / ``..._SUBCATEGORY_ACCURACY`` override."""
    return {"sentence_accuracy": float(os.environ.get("SEHAT_SAPE_MIN_SENTENCE_ACCURACY", MIN_SENTENCE_ACCURACY)),
            "subcategory_accuracy": float(os.environ.get("SEHAT_SAPE_MIN_SUBCATEGORY_ACCURACY",
                                                         MIN_SUBCATEGORY_ACCURACY))}


def train_candidate(run_id: str, cfg: Settings | None = None, seed: int = 0) -> dict:
    """Stage a candidate: the job's training and scoring (:func:`ml.sape.job.train_and_score`) written
    into the candidate directory of ``run_id``."""
    cfg = cfg or settings()
    return train_and_score(release(cfg).stage(run_id), cfg, seed)


def gate_checks(scores: pd.DataFrame, metrics: dict, known_pii: KnownPII | None = None
                ) -> tuple[list[dict], list[dict], object]:
    """(GX checks on the scores, PII + accuracy-floor checks, the GX validation result)."""
    import great_expectations as gx

    from ml.sape.qualitative import SCORE_COLUMNS

    def build_suite():
        e = gx.expectations
        suite = new_suite("sape_scores")
        suite.add_expectation(e.ExpectTableRowCountToEqual(value=int(metrics["eligible_consultations"])))
        suite.add_expectation(e.ExpectColumnValuesToBeUnique(column="consultation_id"))
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column="model_version"))
        for col in SCORE_COLUMNS:
            values = [0.0, 0.5] if col in SCORE_COLUMNS[:8] else [0.0, 0.5, 1.0]
            suite.add_expectation(e.ExpectColumnValuesToBeInSet(column=col, value_set=values))
            suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=col))
        return suite

    checks, validation = run_suite(scores, build_suite, "sape_scores")
    extra = [pii_check(scores, known=known_pii)]
    for name, floor in floors().items():
        worst = min(metrics[name].values())
        extra.append(check(f"min_{name}", worst >= floor, f"{worst:.3f} (floor {floor})", floor=floor))
    return checks, extra, validation


def validate_candidate(run_id: str, cfg: Settings | None = None) -> dict:
    """The quality gate. Raises GateFailed (nothing published) on any failed check."""
    rel = release(cfg)
    out = rel.candidate_dir(run_id)
    scores = pd.read_parquet(out / "scores.parquet")
    metrics = json.loads((out / "metrics.json").read_text())
    gx_checks, extra, validation = gate_checks(scores, metrics, known_pii_in_snapshot(rel.cfg))
    docs = write_data_docs(validation, rel.gate_dir(run_id), extra, title=f"models/{NAME} {run_id}")
    checks = gx_checks + extra
    result = {"passed": all(c["success"] for c in checks), "checks": checks,
              "model_version": metrics["model_version"], "data_docs": str(docs)}
    rel.record_gate(run_id, result)
    if not result["passed"]:
        raise GateFailed("the SAPE model and scores", result)
    return {"passed": True, "checks": len(checks), "model_version": metrics["model_version"],
            "data_docs": str(docs)}


def publish_candidate(run_id: str, cfg: Settings | None = None) -> dict:
    """Promote the passed candidate to models/sape/<version>/ and swap CURRENT atomically."""
    rel = release(cfg)
    metrics = json.loads((rel.candidate_dir(run_id) / "metrics.json").read_text())
    version = metrics["model_version"]
    manifest = rel.promote(run_id, version, {"version": version, "data_snapshot": metrics.get("data_snapshot"),
                                             "metrics": metrics})
    return {"model_version": version, "path": manifest["path"]}


def current_model(cfg: Settings | None = None):
    """(version, scorer) of the live publication, or None."""
    live = release(cfg).current()
    if live is None:
        return None
    with open(os.path.join(live["path"], "model.pkl"), "rb") as fh:
        return live["publication_id"], pickle.load(fh)


def live_scores(cfg: Settings | None = None, version: str | None = None) -> pd.DataFrame:
    """The live publication's scores (``version``: refuse when another version is live)."""
    live = release(cfg).current()
    if live is None:
        raise FileNotFoundError("no published SAPE model: run the sehat_consultation_quality DAG")
    if version is not None and live["publication_id"] != version:
        raise RuntimeError(f"SAPE version {version} is not live ({live['publication_id']} is)")
    return pd.read_parquet(os.path.join(live["path"], "scores.parquet"))
