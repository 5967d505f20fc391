"""`sehat airflow backfill` waits for the whole Asset chain of every day, and `sehat airflow
standalone` stops its whole process group on SIGTERM, as on Ctrl-C.

Both run the real command (``python -m sehat.orchestrate``, the same app as ``sehat airflow``)
in a subprocess on a fresh SEHAT_HOME.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date

import pytest

from sehat.config import sehat_home, settings
from sehat.orchestrate import free_port

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(1500)]


@pytest.fixture
def env(tmp_path):
    with sehat_home(tmp_path / "home", SEHAT_AIRFLOW_RETRIES="0"):
        yield dict(os.environ)


def test_backfill_of_two_days_waits_for_transform_and_publish(env):
    from sehat.generate import GenerateConfig, generate
    from sehat.release.exports import current_publication
    from sehat.warehouse import restricted_reader

    cfg = settings()
    generate(GenerateConfig(customers=800, days=2, start=date(2026, 11, 1), seed=11, data_dir=cfg.data_dir))
    proc = subprocess.run(
        [sys.executable, "-m", "sehat.orchestrate", "backfill", "--start", "2026-11-01",
         "--end", "2026-11-02", "--port", str(free_port()), "--timeout", "1200"],
        check=False, env=env, capture_output=True, text=True, timeout=1400,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert "Traceback" not in out and "running" not in re.findall(r"^sehat_\w+ \S+: (\w+)$", out, re.MULTILINE)
    finals = re.findall(r"^(sehat_\w+) (\S+): (\w+)$", proc.stdout, re.MULTILINE)
    by_dag = {}
    for dag_id, _run, state in finals:
        by_dag.setdefault(dag_id, []).append(state)
    assert by_dag["sehat_ingest"] == ["success", "success"], out[-3000:]
    assert by_dag["sehat_transform"] and set(by_dag["sehat_transform"]) == {"success"}
    assert by_dag["sehat_publish"] and set(by_dag["sehat_publish"]) == {"success"}
    # the chain ran to its end before the components stopped
    assert current_publication("consulted_no_order_30d", cfg)["as_of"] == "2026-11-02"
    with restricted_reader(cfg) as con:
        days = con.execute(
            "SELECT list(DISTINCT batch_date::VARCHAR ORDER BY batch_date::VARCHAR) FROM raw.load_log"
            " WHERE source = 'clevertap' AND read > 0"
        ).fetchone()[0]
    # (the scheduler's own run for yesterday, a day the sample lacks, reads nothing and fails)
    assert days == ["2026-11-01", "2026-11-02"]


def test_sigterm_on_standalone_stops_the_whole_group(env):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sehat.orchestrate", "standalone", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    pgid, lines = None, []
    deadline = time.monotonic() + 600
    for line in proc.stdout:
        lines.append(line)
        if match := re.search(r"process group (\d+)\)", line):
            pgid = int(match.group(1))
        if "Airflow is up" in line or time.monotonic() > deadline:
            break
    assert pgid and "Airflow is up" in lines[-1], "".join(lines[-30:])
    os.killpg(pgid, 0)  # the group is alive
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=120)
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)
    assert "Traceback" not in rest, rest
