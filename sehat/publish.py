"""Publishing: promote a validated candidate to a file drop, atomically.

Layout per segment::

    published/segments/<name>/<publication id>/members.parquet
                                               members.csv
                                               manifest.json   (rows, columns, sha256 per file, checks)
    published/segments/<name>/CURRENT          (the live publication id)

A publication directory is written under a temporary name and renamed into
place, then ``CURRENT`` is replaced with ``os.replace``: a consumer sees the
old publication or the new one, never half of one. Only a candidate whose
``validation.json`` says it passed can be promoted; otherwise nothing changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sehat.config import Settings, settings
from sehat.gate import candidate_dir, safe_run_id
from sehat.segments import get_segment


class NotValidated(RuntimeError):
    """Raised when asked to publish something the gate did not pass."""


def segment_dir(cfg: Settings, name: str) -> Path:
    return cfg.publish_dir / "segments" / name


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def publish_segment(name: str, run_id: str, cfg: Settings | None = None) -> dict:
    """Promote the validated candidate of (segment, run) and make it the live publication."""
    cfg = cfg or settings()
    segment = get_segment(name)
    cand = candidate_dir(cfg, name, run_id)
    validation_file = cand / "validation.json"
    if not validation_file.exists():
        raise NotValidated(f"no gate result for segment {name!r} run {run_id!r} in {cand}: run the gate first")
    validation = json.loads(validation_file.read_text())
    if not validation["passed"] or not (cand / "members.parquet").exists():
        raise NotValidated(f"segment {name!r} run {run_id!r} did not pass its gate: nothing published")

    pub_id = f"{validation['as_of']}__{safe_run_id(run_id)}"
    root = segment_dir(cfg, name)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{pub_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    df = pd.read_parquet(cand / "members.parquet")
    shutil.copyfile(cand / "members.parquet", staging / "members.parquet")
    df.to_csv(staging / "members.csv", index=False)
    manifest = {
        "segment": name,
        "publication_id": pub_id,
        "run_id": run_id,
        "as_of": validation["as_of"],
        "destination": segment.destination,
        "rows": len(df),
        "columns": list(df.columns),
        "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": {
            f.name: {"sha256": _sha256(f), "bytes": f.stat().st_size}
            for f in sorted(staging.iterdir())
        },
        "checks": validation["checks"],
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))

    final = root / pub_id
    if final.exists():  # re-publishing the same run: swap it out whole
        trash = root / f".old-{pub_id}"
        shutil.rmtree(trash, ignore_errors=True)
        os.rename(final, trash)
        os.rename(staging, final)
        shutil.rmtree(trash)
    else:
        os.rename(staging, final)
    _write_atomic(root / "CURRENT", pub_id + "\n")
    shutil.rmtree(cand, ignore_errors=True)
    return manifest


def current_publication(name: str, cfg: Settings | None = None) -> dict | None:
    """The live publication's manifest, or None if nothing was published yet."""
    cfg = cfg or settings()
    pointer = segment_dir(cfg, name) / "CURRENT"
    if not pointer.exists():
        return None
    manifest = segment_dir(cfg, name) / pointer.read_text().strip() / "manifest.json"
    return json.loads(manifest.read_text())


def list_publications(cfg: Settings | None = None) -> list[dict]:
    """Every segment's live publication (for ``sehat published``)."""
    cfg = cfg or settings()
    root = cfg.publish_dir / "segments"
    out = []
    for d in sorted(root.iterdir()) if root.exists() else []:
        manifest = current_publication(d.name, cfg)
        if manifest:
            manifest["path"] = str(d / manifest["publication_id"])
            out.append(manifest)
    return out
