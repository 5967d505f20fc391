"""A task killed mid-write (SIGKILL at a random point), then retried, leaves the same result as an
uninterrupted run, and nothing half-written is ever visible: not in the warehouse, not in the
publication area."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sehat.release.exports import current_publication, list_publications, release_of
from sehat.warehouse import writer
from tests.failure import small_world as w

INGEST = textwrap.dedent(
    """
    import sys
    from datetime import date
    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.production import extract_day
    from sehat.erasure import erase
    day = date.fromisoformat(sys.argv[1])
    ingest_day(day)
    extract_day(day)
    erase(day=day)
    """
)
PUBLISH = textwrap.dedent(
    """
    import sys
    from sehat.release.exports import publish_export
    publish_export(sys.argv[1], sys.argv[2])
    """
)
KILLS = 2


def candidate_dir(cfg, name: str, run_id: str) -> Path:
    return release_of(name, cfg).candidate_dir(run_id)


def segment_dir(cfg, name: str) -> Path:
    return release_of(name, cfg).root


def _run(world, code: str, args: list[str], home: Path, kill_after: float | None = None) -> tuple[int, float]:
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=world.child_env(home),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    if kill_after is None and proc.returncode != 0:
        raise AssertionError(err.decode()[-3000:])
    return proc.returncode, time.monotonic() - started


def _raw_checksums(world, home: Path) -> dict[str, str]:
    with world.env_for(home) as cfg, writer(cfg) as con:
        return w.checksums(con, [r for r in w.relations(con) if r.startswith("raw.")])


def test_ingest_killed_mid_write_then_retried_equals_an_uninterrupted_run(world):
    day = w.ALL_DAYS[0]
    clean = world.new_home("ingest_uninterrupted")
    _, full = _run(world, INGEST, [day.isoformat()], clean)
    expected = _raw_checksums(world, clean)

    killed = world.new_home("ingest_killed")
    rng = random.Random(20261101)
    codes = []
    for _ in range(KILLS):
        code, _ = _run(world, INGEST, [day.isoformat()], killed, kill_after=rng.uniform(0.2, 0.95) * full)
        codes.append(code)
        if (killed / "warehouse" / "sehat.duckdb").exists():
            # whatever a kill left behind opens cleanly (the WAL replays or is discarded whole)
            with world.env_for(killed) as cfg, writer(cfg) as con:
                con.execute("SELECT 1").fetchone()
    assert -signal.SIGKILL in codes, f"no run was actually killed (exit codes {codes}); full run took {full:.1f}s"
    _run(world, INGEST, [day.isoformat()], killed)  # the retry
    assert _raw_checksums(world, killed) == expected


def _manifest_ok(pub_dir: Path) -> bool:
    manifest = json.loads((pub_dir / "manifest.json").read_text())
    files = manifest.get("files") or {}
    for name, meta in files.items():
        digest = meta["sha256"] if isinstance(meta, dict) else meta
        if hashlib.sha256((pub_dir / name).read_bytes()).hexdigest() != digest:
            return False
    return bool(files)


def _live(cfg) -> Path | None:
    manifest = current_publication(w.SEGMENT, cfg)
    return segment_dir(cfg, w.SEGMENT) / manifest["directory"] if manifest else None


@pytest.mark.e2e
def test_publish_killed_mid_write_never_exposes_half_a_publication(world, reference):
    cfg = reference["cfg"]
    before = _live(cfg)
    assert before is not None and _manifest_ok(before)

    # another home: the same live publication, and a new validated candidate (run "retry_run")
    home = world.new_home("publish_killed")
    run_id = "retry_run"
    with world.env_for(home) as hcfg:
        shutil.copytree(cfg.publish_dir, hcfg.publish_dir)
        shutil.copytree(reference["candidate"], candidate_dir(hcfg, w.SEGMENT, run_id))
        backup = home / "candidate"
        shutil.copytree(reference["candidate"], backup)
        # time one uninterrupted publish in a scratch copy, to pick kill points inside it
        scratch = world.new_home("publish_timing")
        shutil.copytree(hcfg.publish_dir, scratch / "published")
        _, full = _run(world, PUBLISH, [w.SEGMENT, run_id], scratch)

        rng = random.Random(7)
        codes = []
        for _ in range(KILLS):
            if not candidate_dir(hcfg, w.SEGMENT, run_id).exists():  # a kill after the promotion consumed it
                shutil.copytree(backup, candidate_dir(hcfg, w.SEGMENT, run_id))
            code, _ = _run(world, PUBLISH, [w.SEGMENT, run_id], home, kill_after=rng.uniform(0.2, 0.95) * full)
            codes.append(code)
            live = _live(hcfg)
            assert live is not None and live.is_dir(), "a killed publish left no live publication"
            assert _manifest_ok(live), f"half a publication is live after a kill: {live}"
            for pub in list_publications(hcfg):
                assert _manifest_ok(Path(pub["path"]))
        if not candidate_dir(hcfg, w.SEGMENT, run_id).exists():
            shutil.copytree(backup, candidate_dir(hcfg, w.SEGMENT, run_id))
        _run(world, PUBLISH, [w.SEGMENT, run_id], home)  # the retry
        after = _live(hcfg)
    assert -signal.SIGKILL in codes, f"no publish was actually killed (exit codes {codes}; full run {full:.1f}s)"
    assert after.name.endswith(run_id) and _manifest_ok(after)
    assert _members_sha(after) == _members_sha(before)


def _members_sha(pub_dir: Path) -> str:
    import duckdb

    return duckdb.sql(
        f"SELECT md5(string_agg(x::VARCHAR, ',' ORDER BY x::VARCHAR))"
        f" FROM read_parquet('{pub_dir / 'members.parquet'}') x"
    ).fetchone()[0]
