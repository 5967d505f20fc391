"""Where measured figures live: ``benchmarks/results/<name>.json``, one file per benchmark.

Each file holds the figures, the command that measured them, the machine and the
time. The README's and the docs' figure tables are generated from these files
(:mod:`sehat.bench.report`), never typed by hand.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sehat.config import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def write_results(name: str, figures: dict, command: str, results_dir: Path | None = None) -> Path:
    """Write ``benchmarks/results/<name>.json`` (figures, machine, command, time)."""
    results_dir = Path(results_dir or RESULTS_DIR)
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"{name}.json"
    payload = {
        "benchmark": name,
        "command": command,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": figures,
    }
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return out


def read_results(name: str, results_dir: Path | None = None) -> dict | None:
    """The stored payload of benchmark ``name`` (as :func:`write_results` wrote it), or None if never run."""
    path = Path(results_dir or RESULTS_DIR) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None
