"""The pieces that keep a run from breaking half-way, without starting Airflow (seconds).

* status calls survive timeouts and 5xx (retries with backoff), but a 4xx fails at once;
* before components stop, unfinished runs get a grace period, then are marked failed;
* the chain watcher is done only once every day is transformed and the last published;
* SIGTERM stops a component group like Ctrl-C does;
* a child started with ``die_with_parent`` dies when its parent is killed (-9);
* dbt failing on the warehouse lock says "another writer is running (pid N)";
* ``sehat airflow backfill`` without ``--api-url`` starts standalone, settles, then stops it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import httpx
import pytest

from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.chain import ChainWatcher, settle


def _client(handler, **kwargs) -> ApiClient:
    kwargs.setdefault("retry_for", 10)
    kwargs.setdefault("max_wait", 0.05)
    return ApiClient("http://airflow.test", transport=httpx.MockTransport(handler), **kwargs)


def test_status_call_retries_timeouts_and_5xx():
    calls = []

    def handler(request):
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        if len(calls) == 2:
            return httpx.Response(503, json={"detail": "busy"})
        return httpx.Response(200, json={"state": "running"})

    assert _client(handler).run_state("sehat_ingest", "r1") == "running"
    assert len(calls) == 3


def test_status_call_gives_up_after_its_budget_and_never_retries_4xx():
    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        _client(timeout, retry_for=0.5).run_state("d", "r")
    assert time.monotonic() - started < 5

    calls = []

    def not_found(request):
        calls.append(1)
        return httpx.Response(404, json={"detail": "no such run"})

    with pytest.raises(httpx.HTTPStatusError):
        _client(not_found).run_state("d", "r")
    assert calls == [1]


class FakeApi:
    """Runs that finish after a number of polls; records what was marked failed."""

    def __init__(self, unfinished: dict[str, list[str]], polls_to_finish: int | None):
        self.unfinished = unfinished
        self.polls = 0
        self.polls_to_finish = polls_to_finish
        self.marked: list[tuple[str, str]] = []

    def unfinished_runs(self, dag_id):
        self.polls += 1
        if self.polls_to_finish is not None and self.polls > self.polls_to_finish:
            return []
        return list(self.unfinished.get(dag_id, []))

    def mark_failed(self, dag_id, run_id):
        self.marked.append((dag_id, run_id))


def test_settle_lets_running_runs_finish():
    api = FakeApi({"sehat_transform": ["t1"]}, polls_to_finish=3)
    assert settle(api, grace=10, poll=0.01, say=lambda _m: None) == []
    assert api.marked == []


def test_settle_fails_runs_still_running_after_the_grace():
    api = FakeApi({"sehat_transform": ["t1"], "sehat_publish": ["p1"]}, polls_to_finish=None)
    marked = settle(api, grace=0.05, poll=0.01, say=lambda _m: None)
    assert sorted(api.marked) == [("sehat_publish", "p1"), ("sehat_transform", "t1")]
    assert len(marked) == 2


class ChainApi:
    def __init__(self):
        self.runs = {"sehat_transform": [], "sehat_publish": []}
        self.days = {}
        self.tasks = {}

    def runs_since(self, dag_id, since):
        return [{"dag_run_id": r, "state": s} for r, s in self.runs[dag_id]]

    def run_state(self, dag_id, run_id):
        return dict(self.runs[dag_id])[run_id]

    def upstream_days(self, dag_id, run_id):
        return self.days[run_id]

    def task_states(self, dag_id, run_id):
        return self.tasks.get(run_id, {})

    def failed_tasks(self, dag_id, run_id):
        return [t for t, s in self.tasks.get(run_id, {}).items() if s == "failed"]


def test_chain_is_done_only_when_every_day_is_transformed_and_the_last_published():
    api = ChainApi()
    lines = []
    watcher = ChainWatcher(api, ["2026-11-02", "2026-11-01"], datetime.now(UTC), say=lines.append)
    api.runs["sehat_transform"] = [("t1", "success"), ("t2", "running")]
    api.days["t1"] = ["2026-11-01"]
    api.tasks["t2"] = {"dbt_build": "running", "refresh_reader": None}
    watcher.poll_downstream()
    assert not watcher.done
    assert any("running dbt_build" in line for line in lines)  # progress while dbt builds
    api.runs["sehat_transform"] = [("t1", "success"), ("t2", "success")]
    api.days["t2"] = ["2026-11-02"]
    api.runs["sehat_publish"] = [("p1", "success")]
    api.days["p1"] = ["2026-11-01"]  # published an earlier day only
    watcher.poll_downstream()
    assert not watcher.done
    api.runs["sehat_publish"].append(("p2", "failed"))
    api.tasks["p2"] = {"gate": "failed"}
    watcher.poll_downstream()
    assert watcher.failures == ["sehat_publish p2 failed tasks ['gate']"]
    assert ("sehat_publish", "p2", "failed") in watcher.report()


def test_sigterm_stops_the_component_group_like_ctrl_c(tmp_path):
    """A process running Components inside signals_as_interrupt, sent SIGTERM, stops its group."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from sehat.orchestrate.processes import Components, signals_as_interrupt
        with signals_as_interrupt():
            try:
                with Components({{"a": ["sleep", "300"], "b": ["sleep", "300"]}}, dict(__import__("os").environ),
                                Path({str(tmp_path)!r})) as c:
                    print("PGID", c.pgid, flush=True)
                    while True:
                        time.sleep(0.2)
            except KeyboardInterrupt:
                print("stopped", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pgid = None
    for line in proc.stdout:
        if line.startswith("PGID"):
            pgid = int(line.split()[1])
            break
    assert pgid
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert "stopped" in out
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)


def test_child_dies_with_its_parent():
    """die_with_parent: kill -9 the parent, the child (think dbt) goes too."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            ("import subprocess, time; from sehat.subprocesses import die_with_parent;"
            " c = subprocess.Popen(['sleep', '300'], preexec_fn=die_with_parent);"
            " print(c.pid, flush=True); time.sleep(300)"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        # reaped by init once dead; a zombie still answers kill(0)
        with open(f"/proc/{child}/stat") as stat:
            if stat.read().split()[2] == "Z":
                return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the child outlived its parent")


def test_dbt_on_a_held_warehouse_names_the_other_writer(monkeypatch, sehat_home):
    from sehat.subprocesses import WriterBusy
    from sehat.transform import dbt as transform

    output = (
        'Runtime Error\n  IO Error: Could not set lock on file "/x/sehat.duckdb": Conflicting lock'
        " is held in /usr/bin/python3 (PID 4242). See also https://duckdb.org/docs"
    )
    monkeypatch.setattr(
        transform,
        "_run_dbt",
        lambda *a, **k: transform.DbtResult(command=("dbt", "build"), returncode=2, elapsed_seconds=1,
                                            output=output),
    )  # fmt: skip
    with pytest.raises(WriterBusy, match=r"another writer is running \(pid 4242\)"):
        transform.dbt_build()


def test_runs_failed_on_shutdown_are_reported_only_for_the_chain():
    api = ChainApi()
    watcher = ChainWatcher(api, ["2026-11-01"], datetime.now(UTC), say=lambda _m: None)
    watcher.record("sehat_ingest", "backfill__2026-11-01", "success")
    api.runs["sehat_transform"] = [("t1", "running")]
    watcher.poll_downstream()
    watcher.settled(["sehat_transform t1", "sehat_ingest scheduled__2026-12-02"])
    assert ("sehat_transform", "t1", "failed") in watcher.report()
    assert watcher.failures == ["sehat_transform t1 was still unfinished: marked failed"]
    assert "scheduled__2026-12-02" not in str(watcher.report())


class _Components:
    """Stands in for the local ``airflow standalone`` group of ``sehat airflow backfill``."""

    def __init__(self, events: list[str]):
        self.events = events

    def __enter__(self):
        self.events.append("start")
        return self

    def __exit__(self, *exc):
        self.events.append("stop")

    def dead(self):
        return {}


class _Watcher:
    def __init__(self, failures: list[str]):
        self.failures, self.done, self.marked = failures, not failures, None

    def settled(self, marked):
        self.marked = list(marked)

    def report(self):
        return [("sehat_ingest", "backfill__2026-11-01", "success"), ("sehat_publish", "p1", "success")]


@pytest.mark.parametrize("failures", [[], ["sehat_publish p1 failed tasks ['gate']"]])
def test_local_backfill_starts_standalone_waits_settles_then_stops(monkeypatch, failures):
    """``sehat airflow backfill`` without ``--api-url``: the local standalone starts, the chain is
    awaited, unfinished runs are settled while the components still run, then the group stops; the
    final states are printed and a failed chain exits 1. (Through real Airflow, the ``--api-url`` route
    runs in tests/deploy/test_standalone.py; these parts have their own tests above.)"""
    from typer.testing import CliRunner

    from sehat.orchestrate import cli

    events: list[str] = []
    watcher = _Watcher(failures)

    def backfill_chain(api, start, end, *, timeout, dead):
        events.append(f"backfill {start}..{end} on {api.base_url}")
        assert dead() == {}  # the watcher is told when local components exit
        return watcher

    def settle(api):
        events.append("settle")
        return ["sehat_transform t9"]

    monkeypatch.setattr(cli, "standalone", lambda port: _Components(events))
    monkeypatch.setattr(cli, "wait_until_ready", lambda *a, **k: events.append("ready"))
    monkeypatch.setattr(cli, "backfill_chain", backfill_chain)
    monkeypatch.setattr(cli, "settle", settle)
    result = CliRunner().invoke(cli.app, ["backfill", "--start", "2026-11-01", "--end", "2026-11-02",
                                          "--port", "8123"])
    assert events == ["start", "ready", "backfill 2026-11-01..2026-11-02 on http://127.0.0.1:8123", "settle", "stop"]
    assert watcher.marked == ["sehat_transform t9"]
    assert "sehat_ingest backfill__2026-11-01: success" in result.output
    assert result.exit_code == (1 if failures else 0), result.output
