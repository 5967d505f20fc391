"""Model artifacts: save/load, quality gate, versioned atomic publishing.

Layout (same pattern as ``sehat.publish`` for segments)::

    $SEHAT_PUBLISH_DIR/models/prescriptions/<version>/model.pkl
                                                      metrics.json   (evaluation, incl. report table)
                                                      manifest.json  (sha256, params, data snapshot, gate)
    $SEHAT_PUBLISH_DIR/models/prescriptions/CURRENT   (the live version)

A version directory is written under a temporary name and renamed into place;
``CURRENT`` is swapped with ``os.replace``. A failed gate publishes nothing.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sehat.config import Settings, settings
from sehat.publish import sha256_file, write_atomic

NAME = "prescriptions"
FIELDS = ("complaint", "diagnosis", "molecule", "brand", "lab_test", "advice")


class GateFailed(RuntimeError):
    """The candidate model is worse than the live one, or fails a sanity check."""


def model_dir(cfg: Settings | None = None) -> Path:
    return (cfg or settings()).publish_dir / "models" / NAME


def save(model, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return path


def load(path: Path):
    with Path(path).open("rb") as f:
        return pickle.load(f)


def current(cfg: Settings | None = None) -> dict | None:
    """The live version's manifest (with ``path``), or None."""
    root = model_dir(cfg)
    pointer = root / "CURRENT"
    if not pointer.exists():
        return None
    version = pointer.read_text().strip()
    manifest = json.loads((root / version / "manifest.json").read_text())
    manifest["path"] = str(root / version)
    return manifest


def load_current(cfg: Settings | None = None):
    live = current(cfg)
    if live is None:
        raise FileNotFoundError(f"no published prescription model under {model_dir(cfg)}: run `train` + `publish`")
    return load(Path(live["path"]) / "model.pkl")


def gate(model, metrics: dict, cfg: Settings | None = None, tolerance: float = 2.0) -> dict:
    """Sanity checks on the artifact, then Accuracy@k "one" per field vs the live model (points of tolerance)."""
    from ml.prescriptions.suggest import suggest

    checks = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        checks.append({"check": name, "passed": bool(ok), "detail": detail})

    check("has vocabularies", all(len(model.vocab_.get(f, [])) > 0 for f in ("diagnosis", "molecule", "brand")),
          str({f: len(v) for f, v in model.vocab_.items()}))
    check("has learned weights", all(f in model.weights_ for f in ("complaint", "diagnosis", "molecule")))
    try:
        out = suggest(model, {"doctor_id": "?", "complaints": ["fever"]})
        check("suggest works", all(isinstance(v, list) for v in out.values()) and len(out["diagnoses"]) > 0)
    except Exception as exc:  # noqa: BLE001 - any failure is a failed sanity check
        check("suggest works", False, f"{type(exc).__name__}: {exc}")
    fields = metrics.get("fields", {})
    check("metrics present", all(fields.get(f, {}).get("model_one") is not None for f in FIELDS if f in fields)
          and len(fields) > 0,
          f"scored per field: { {f: r.get('n') for f, r in fields.items()} }; time split at {metrics.get('split_at')}"
          f" (test = last {metrics.get('test_days')} days): the evaluation needs prescriptions on both sides"
          " of the split, i.e. more history than the test window")
    live = current(cfg)
    if live is not None:
        old = live.get("metrics", {}).get("fields", {})
        for f in FIELDS:
            new_v, old_v = fields.get(f, {}).get("model_one"), old.get(f, {}).get("model_one")
            if new_v is not None and old_v is not None:
                check(f"{f} one@k not worse than live", new_v >= old_v - tolerance, f"{new_v} vs live {old_v}")
    passed = all(c["passed"] for c in checks)
    return {"passed": passed, "checks": checks, "live_version": live["version"] if live else None,
            "tolerance": tolerance}


def publish(model_path: Path, metrics: dict, gate_result: dict, snapshot: dict,
            cfg: Settings | None = None, version: str | None = None) -> dict:
    """Promote a gated candidate: versioned directory + atomic CURRENT. Raises GateFailed if the gate failed."""
    if not gate_result.get("passed"):
        failed = [c for c in gate_result.get("checks", []) if not c["passed"]]
        raise GateFailed(f"prescription model gate failed, previous model stays live: {failed}")
    root = model_dir(cfg)
    root.mkdir(parents=True, exist_ok=True)
    version = version or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staging = root / f".staging-{version}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    shutil.copyfile(model_path, staging / "model.pkl")
    (staging / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
    model = load(staging / "model.pkl")
    manifest = {
        "name": NAME, "version": version,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": {k: v for k, v in model.get_params().items() if k != "catalogue"},
        "data_snapshot": snapshot, "metrics": metrics, "gate": gate_result,
        "files": {f.name: {"sha256": sha256_file(f), "bytes": f.stat().st_size} for f in sorted(staging.iterdir())},
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    final = root / version
    if final.exists():
        shutil.rmtree(final)
    os.rename(staging, final)
    write_atomic(root / "CURRENT", version + "\n")
    return manifest
