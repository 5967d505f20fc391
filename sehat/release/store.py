"""Versioned publications on disk: stage a candidate, promote it, swap ``CURRENT``, read what is live.

One layout for everything that leaves the warehouse::

    $SEHAT_PUBLISH_DIR/.candidates/<kind>/<name>/<run>/     the candidate of one run + gate.json
    $SEHAT_PUBLISH_DIR/<kind>/<name>/<publication>/          a promoted, never-modified directory
                                                   manifest.json  (sha256 per file, data snapshot, gate result)
    $SEHAT_PUBLISH_DIR/<kind>/<name>/CURRENT                 the live publication's directory name
    $SEHAT_PUBLISH_DIR/gate-results/<kind>/<name>/<run>/     Data Docs of every gate run, passed or failed

A publication is written under a temporary name and renamed into place, then ``CURRENT`` is replaced
with ``os.replace``: a consumer sees the old publication or the new one, never half of one. A candidate
whose ``gate.json`` does not say ``passed`` cannot be promoted (:class:`NotValidated`), so a failed gate
leaves the last good publication live.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sehat.config import Settings, settings

GATE_FILE = "gate.json"
MANIFEST = "manifest.json"


class NotValidated(RuntimeError):
    """Asked to promote a candidate that has not passed its gate."""


def safe_run_id(run_id: str) -> str:
    """Airflow run ids hold ':' and '+'; keep them readable but path-safe."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace`` (readers see old or new)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _fresh_directory_name(root: Path, pub_id: str) -> str:
    """``pub_id`` for the first promotion of a run, then ``pub_id.2``, ``pub_id.3`` (a retried task).

    A retry writes a new directory and moves ``CURRENT`` to it, so a consumer that just read
    ``CURRENT`` keeps reading a complete, unchanged publication.
    """
    name, attempt = pub_id, 1
    while (root / name).exists():
        attempt += 1
        name = f"{pub_id}.{attempt}"
    return name


class Release:
    """The publications of one outgoing thing (``kind`` e.g. ``segments``/``models``, and its ``name``)."""

    def __init__(self, kind: str, name: str, cfg: Settings | None = None):
        self.kind, self.name = kind, name
        self.cfg = cfg or settings()

    def __repr__(self) -> str:
        return f"Release({self.kind!r}, {self.name!r})"

    @property
    def root(self) -> Path:
        return self.cfg.publish_dir / self.kind / self.name

    def candidate_dir(self, run_id: str) -> Path:
        return self.cfg.publish_dir / ".candidates" / self.kind / self.name / safe_run_id(run_id)

    def gate_dir(self, run_id: str) -> Path:
        """Where a gate run keeps its human-readable results (kept for failures and successes)."""
        return self.cfg.publish_dir / "gate-results" / self.kind / self.name / safe_run_id(run_id)

    # ------------------------------------------------------------------ candidate

    def stage(self, run_id: str) -> Path:
        """An empty candidate directory for ``run_id`` (a previous attempt's is discarded)."""
        out = self.candidate_dir(run_id)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        return out

    def record_gate(self, run_id: str, result: dict) -> Path:
        """Write the gate result into the candidate; only a passed one can be promoted."""
        out = self.candidate_dir(run_id)
        out.mkdir(parents=True, exist_ok=True)
        path = out / GATE_FILE
        write_atomic(path, json.dumps(result, indent=2, default=str))
        return path

    def gate_result(self, run_id: str) -> dict | None:
        path = self.candidate_dir(run_id) / GATE_FILE
        return json.loads(path.read_text()) if path.exists() else None

    # ------------------------------------------------------------------ promotion

    def promote(self, run_id: str, publication_id: str, manifest: dict | None = None,
                before_swap: Callable[[Path, dict], None] | None = None) -> dict:
        """Make the gated candidate of ``run_id`` the live publication ``publication_id``.

        Copies the candidate's files (not ``gate.json``) into a staging directory, writes the
        manifest, runs ``before_swap(staging, manifest)`` (e.g. another destination's load, which may
        add to the manifest; an exception stops the promotion and nothing moves), renames the
        directory into place and swaps ``CURRENT``.
        """
        cand = self.candidate_dir(run_id)
        gate = self.gate_result(run_id)
        if gate is None:
            raise NotValidated(f"no gate result for {self.kind}/{self.name} run {run_id!r} in {cand}: "
                               "run the gate first")
        if not gate.get("passed"):
            raise NotValidated(f"{self.kind}/{self.name} run {run_id!r} did not pass its gate: nothing published")
        root = self.root
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f".staging-{safe_run_id(publication_id)}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for f in sorted(cand.iterdir()):
            if f.name != GATE_FILE and f.is_file():
                shutil.copyfile(f, staging / f.name)
        out = {
            "kind": self.kind, "name": self.name, "publication_id": publication_id, "run_id": run_id,
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **(manifest or {}),
            "files": {f.name: {"sha256": sha256_file(f), "bytes": f.stat().st_size}
                      for f in sorted(staging.iterdir())},
            "gate": gate,
        }
        if before_swap is not None:
            try:
                before_swap(staging, out)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        directory = _fresh_directory_name(root, publication_id)
        out["directory"] = directory
        (staging / MANIFEST).write_text(json.dumps(out, indent=2, default=str))
        os.rename(staging, root / directory)  # a new name every time: the live directory is never touched
        write_atomic(root / "CURRENT", directory + "\n")
        shutil.rmtree(cand, ignore_errors=True)
        out["path"] = str(root / directory)
        return out

    # ------------------------------------------------------------------ what is live

    def current(self) -> dict | None:
        """The live publication's manifest (with ``path``), or None if nothing was published yet."""
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        directory = self.root / pointer.read_text().strip()
        path = directory / MANIFEST
        # publications made before this package (no manifest, or one without these keys) stay readable
        manifest = json.loads(path.read_text()) if path.exists() else {"files": {}}
        manifest.setdefault("kind", self.kind)
        manifest.setdefault("name", self.name)
        manifest.setdefault("directory", directory.name)
        manifest.setdefault("publication_id", manifest.get("version") or directory.name)
        manifest.setdefault("published_at", "")
        manifest["path"] = str(directory)
        return manifest

    def current_file(self, name: str) -> Path:
        """A file of the live publication; FileNotFoundError when nothing is live."""
        live = self.current()
        if live is None:
            raise FileNotFoundError(f"nothing published for {self.kind}/{self.name} under {self.root}")
        return Path(live["path"]) / name

    def verify(self, manifest: dict | None = None) -> list[str]:
        """Files of a publication whose sha256 differs from its manifest (empty: intact)."""
        manifest = manifest or self.current()
        if manifest is None:
            return []
        base = Path(manifest["path"]) if "path" in manifest else self.root / manifest["directory"]
        return [n for n, meta in manifest["files"].items() if sha256_file(base / n) != meta["sha256"]]


def releases(cfg: Settings | None = None) -> list[Release]:
    """Every outgoing thing that has a live publication, in (kind, name) order."""
    cfg = cfg or settings()
    out = []
    if not cfg.publish_dir.exists():
        return out
    for kind_dir in sorted(p for p in cfg.publish_dir.iterdir() if p.is_dir() and p.name[0] not in ".~"):
        for name_dir in sorted(p for p in kind_dir.iterdir() if p.is_dir()):
            if (name_dir / "CURRENT").exists():
                out.append(Release(kind_dir.name, name_dir.name, cfg))
    return out
