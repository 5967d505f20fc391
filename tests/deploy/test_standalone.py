"""`sehat airflow standalone`, started the documented way (``python -m sehat.orchestrate
standalone``, the same app as ``sehat airflow``) on a fresh SEHAT_HOME, in one deployment:

1. it listens on 127.0.0.1 only and lists the Sehat DAGs through ``/api/v2``;
2. ``sehat airflow backfill --api-url`` against it backfills two generated days and waits for the
   whole Asset chain of every day (ingest -> transform -> publish), not only for the ingest runs;
3. SIGTERM, as from a service manager or ``kill``, stops its whole process group.

One deployment serves the three checks: each used to start Airflow on its own (issue 24).
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
from sehat.orchestrate import DAG_IDS, ApiClient, free_port

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(1500)]


def _start(env: dict[str, str], port: int) -> tuple[subprocess.Popen, int]:
    """Start the standalone command; return it and its process group once it says "Airflow is up"."""
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
    if not (pgid and lines and "Airflow is up" in lines[-1]):
        proc.kill()
        pytest.fail("standalone did not come up:\n" + "".join(lines[-30:]))
    return proc, pgid


def test_standalone_serves_the_api_on_loopback_backfills_and_stops_on_sigterm(tmp_path):
    import psutil

    from sehat.generate import GenerateConfig, generate
    from sehat.release.exports import current_publication
    from sehat.warehouse import restricted_reader

    with sehat_home(tmp_path / "home", SEHAT_AIRFLOW_RETRIES="0"):
        env, cfg = dict(os.environ), settings()
    generate(GenerateConfig(customers=800, days=2, start=date(2026, 11, 1), seed=11, data_dir=cfg.data_dir))
    port = free_port()
    proc, pgid = _start(env, port)
    try:
        # 1. the API on the loopback only, every Sehat DAG listed
        listening = {
            c.laddr.ip for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        }  # fmt: skip
        assert listening == {"127.0.0.1"}, f"the API listens on {listening}"
        api = ApiClient(f"http://127.0.0.1:{port}")
        assert set(DAG_IDS) <= {d["dag_id"] for d in api.get("/dags", limit=100)["dags"]}

        # 2. a backfill of two days waits for transform and publish of each
        backfill = subprocess.run(
            [sys.executable, "-m", "sehat.orchestrate", "backfill", "--start", "2026-11-01",
             "--end", "2026-11-02", "--api-url", f"http://127.0.0.1:{port}", "--timeout", "1200"],
            check=False, env=env, capture_output=True, text=True, timeout=1400,
        )  # fmt: skip
        out = backfill.stdout + backfill.stderr
        assert backfill.returncode == 0, out[-5000:]
        finals = re.findall(r"^(sehat_\w+) (\S+): (\w+)$", backfill.stdout, re.MULTILINE)
        assert "Traceback" not in out and "running" not in {state for *_, state in finals}
        by_dag: dict[str, list[str]] = {}
        for dag_id, _run, state in finals:
            by_dag.setdefault(dag_id, []).append(state)
        assert by_dag["sehat_ingest"] == ["success", "success"], out[-3000:]
        assert by_dag["sehat_transform"] and set(by_dag["sehat_transform"]) == {"success"}
        assert by_dag["sehat_publish"] and set(by_dag["sehat_publish"]) == {"success"}
        # the chain ran to its end before the command returned
        assert current_publication("consulted_no_order_30d", cfg)["as_of"] == "2026-11-02"
        with restricted_reader(cfg) as con:
            days = con.execute(
                "SELECT list(DISTINCT batch_date::VARCHAR ORDER BY batch_date::VARCHAR) FROM raw.load_log"
                " WHERE source = 'clevertap' AND read > 0"
            ).fetchone()[0]
        # (the scheduler's own run for yesterday, a day the sample lacks, reads nothing and fails)
        assert days == ["2026-11-01", "2026-11-02"]

        # 3. SIGTERM stops the whole group
        os.killpg(pgid, 0)  # the group is alive
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=120)
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
        assert "Traceback" not in rest, rest
    finally:
        if proc.poll() is None:
            os.killpg(pgid, signal.SIGKILL)
