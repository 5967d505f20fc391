"""The prescription recommender's artifact through the release path.

Layout (a :class:`~sehat.release.store.Release` ``("models", "prescriptions")``)::

    $SEHAT_PUBLISH_DIR/models/prescriptions/<version>/model.pkl
                                                      metrics.json   (evaluation, incl. report table)
                                                      manifest.json  (sha256, params, data snapshot, gate)
    $SEHAT_PUBLISH_DIR/models/prescriptions/CURRENT   (the live version)

:func:`gate_and_publish` stages the candidate the model job trained (``ml.prescriptions.job``), runs
the artifact checks (vocabularies and weights present, ``suggest`` works, metrics present, no phone
number or e-mail in the vocabularies, Accuracy@k "one" per field not worse than the live model beyond
``tolerance`` points) and promotes it; a failed gate raises :class:`~sehat.release.checks.GateFailed`
and the previous model stays live. :func:`load_live` is what the suggestion API and CLI serve.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ml.prescriptions.job import daily_work_dir, load, train_and_evaluate
from sehat.config import Settings, settings
from sehat.release.checks import (
    GateFailed,
    check,
    known_pii_in_snapshot,
    pii_check,
    write_data_docs,
)
from sehat.release.store import Release

NAME = "prescriptions"
FIELDS = ("complaint", "diagnosis", "molecule", "brand", "lab_test", "advice")


def release(cfg: Settings | None = None) -> Release:
    return Release("models", NAME, cfg)


def current(cfg: Settings | None = None) -> dict | None:
    """The live version's manifest (with ``path``), or None."""
    return release(cfg).current()


def load_live(cfg: Settings | None = None) -> tuple[str, object]:
    """(version, model) of the live publication; FileNotFoundError when none is published."""
    live = current(cfg)
    if live is None:
        raise FileNotFoundError(f"no published prescription model under {release(cfg).root}: run "
                                "`sehat prescriptions retrain` (or the sehat_prescriptions DAG)")
    return live["publication_id"], load(Path(live["path"]) / "model.pkl")


def _vocabulary_frame(model) -> pd.DataFrame:
    rows = [(f, str(v)) for f, values in (getattr(model, "vocab_", None) or {}).items() for v in values]
    return pd.DataFrame(rows, columns=["field", "value"])


def gate(model, metrics: dict, cfg: Settings | None = None, tolerance: float = 2.0) -> dict:
    """Artifact checks, then Accuracy@k "one" per field vs the live model (points of tolerance)."""
    from ml.prescriptions.suggest import suggest

    cfg = cfg or settings()
    checks = []
    vocab = getattr(model, "vocab_", {}) or {}
    checks.append(check("has_vocabularies", all(len(vocab.get(f, [])) > 0 for f in ("diagnosis", "molecule", "brand")),
                        str({f: len(v) for f, v in vocab.items()})))
    weights = getattr(model, "weights_", None) or {}
    checks.append(check("has_learned_weights", all(f in weights for f in ("complaint", "diagnosis", "molecule")),
                        sorted(weights)))
    try:
        out = suggest(model, {"doctor_id": "?", "complaints": ["fever"]})
        checks.append(check("suggest_works", all(isinstance(v, list) for v in out.values())
                            and len(out["diagnoses"]) > 0, {k: len(v) for k, v in out.items()}))
    except Exception as exc:  # noqa: BLE001 - any failure is a failed sanity check
        checks.append(check("suggest_works", False, f"{type(exc).__name__}: {exc}"))
    checks.append(pii_check(_vocabulary_frame(model), known=known_pii_in_snapshot(cfg)))
    fields = metrics.get("fields", {})
    checks.append(check(
        "metrics_present", all(fields.get(f, {}).get("model_one") is not None for f in FIELDS if f in fields)
        and len(fields) > 0,
        f"scored per field: { {f: r.get('n') for f, r in fields.items()} }; time split at {metrics.get('split_at')}"
        f" (test = last {metrics.get('test_days')} days): the evaluation needs prescriptions on both sides"
        " of the split, i.e. more history than the test window"))
    live = current(cfg)
    if live is not None:
        old = live.get("metrics", {}).get("fields", {})
        for f in FIELDS:
            new_v, old_v = fields.get(f, {}).get("model_one"), old.get(f, {}).get("model_one")
            if new_v is not None and old_v is not None:
                checks.append(check("one_at_k_not_worse_than_live", new_v >= old_v - tolerance,
                                    f"{new_v} vs live {old_v}", column=f, tolerance=tolerance))
    return {"passed": all(c["success"] for c in checks), "checks": checks,
            "live_version": live["publication_id"] if live else None, "tolerance": tolerance}


def gate_and_publish(candidate: dict, run_id: str | None = None, cfg: Settings | None = None,
                     tolerance: float = 2.0) -> dict:
    """Stage the job's candidate (``model``, ``metrics``, ``snapshot``, ``work``), gate it, promote it.

    Raises GateFailed (nothing published, the live model stays) when a check fails.
    """
    cfg = cfg or settings()
    rel = release(cfg)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    run_id = run_id or version
    model = load(Path(candidate["model"]))
    result = gate(model, candidate["metrics"], cfg, tolerance)
    docs = write_data_docs(None, rel.gate_dir(run_id), result["checks"], title=f"models/{NAME} {run_id}")
    result["data_docs"] = str(docs)
    (Path(candidate["work"]) / "gate.json").write_text(json.dumps(result, indent=2, default=str))
    cand = rel.stage(run_id)
    shutil.copyfile(candidate["model"], cand / "model.pkl")
    (cand / "metrics.json").write_text(json.dumps(candidate["metrics"], indent=2, default=str))
    rel.record_gate(run_id, result)
    if not result["passed"]:
        raise GateFailed("the prescription model (previous model stays live)", result)
    manifest = rel.promote(run_id, version, {
        "version": version,
        "params": model.get_params(),
        "data_snapshot": candidate["snapshot"], "metrics": candidate["metrics"],
    })
    return {"version": manifest["publication_id"], "gate": result, "path": manifest["path"]}


def daily_retrain(cfg: Settings | None = None, tolerance: float = 2.0, test_days: int = 14,
                  run_id: str | None = None) -> dict:
    """The model job then the release path, in one call (``sehat prescriptions retrain``)."""
    cfg = cfg or settings()
    stamp = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    candidate = train_and_evaluate(daily_work_dir(stamp, cfg), cfg, test_days)
    return gate_and_publish(candidate, stamp, cfg, tolerance)
