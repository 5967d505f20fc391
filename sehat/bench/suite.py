"""The test suite's own wall time (``sehat bench suite``): ``make test-fast`` or ``make test``, timed.

Runs pytest the way the Makefile does (two workers, ``--dist loadfile``; the fast lane without the
``e2e`` and ``spark`` marks), from the repository root, and records the wall time, the counts pytest
reports and its slowest tests. The suite's budgets (2 cores): the fast lane under 2 minutes, the full
suite under 12.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from sehat.config import REPO_ROOT

LANES = {
    "fast": ["-m", "not e2e and not spark"],
    "full": [],
}
TARGET_SECONDS = {"fast": 120, "full": 720}


def bench_suite(lane: str = "fast", workers: int = 2) -> dict:
    if lane not in LANES:
        raise ValueError(f"lane must be one of {sorted(LANES)}")
    command = [sys.executable, "-m", "pytest", "-n", str(workers), "--dist", "loadfile", "-q", "-p", "no:cacheprovider",
               "--durations=10", *LANES[lane]]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    wall = time.perf_counter() - started
    out = proc.stdout + proc.stderr
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", out)}
    slowest = re.findall(r"^([0-9.]+)s (?:call|setup|teardown)\s+(\S+)", out, re.MULTILINE)[:10]
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "lane": lane,
        "workers": workers,
        "command": " ".join(["pytest", *command[3:]]),
        "wall_seconds": round(wall, 1),
        "exit_code": proc.returncode,
        "counts": counts,
        "target_seconds": TARGET_SECONDS[lane],
        "load_average_after": round(load, 2) if load is not None else None,
        "slowest": [{"seconds": float(s), "test": t} for s, t in slowest],
    }
