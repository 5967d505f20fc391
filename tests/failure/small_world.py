"""One small generated world shared by the failure and security tests.

A :class:`World` lives in one temporary root; the session fixtures ``world`` and
``reference`` (tests/conftest.py) build it once per test session, no module
globals. ``World.sources()`` generates CleverTap files and a production SQLite database
once; ``World.new_home(name)`` gives a fresh warehouse home reading those same sources;
``World.reference()`` lands every day in order (while an analyst process queries the
snapshots), builds dbt and the snapshots, gates and publishes: the reference warehouse
the other runs are compared with (tests using it are ``e2e``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sehat.config import Settings, home_environ, sehat_home

START = date(2026, 11, 1)
DAYS = 3
# the last generated day's late events arrive in the next day's export
ALL_DAYS = [START + timedelta(days=i) for i in range(DAYS + 1)]
SEGMENT = "consulted_no_order_30d"
# columns that record when a row was loaded, not what it says
LOAD_TIME_COLUMNS = {"loaded_at", "_extracted_at", "extracted_at", "_batch_date", "batch_date", "seconds", "detail"}


class World:
    """The generated sources and the warehouse homes of one test session, under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sources: Path | None = None
        self._reference: dict | None = None
        self.summary: dict | None = None

    def sources(self) -> Path:
        """The generated data directory (300 customers, 3 days), generated once."""
        if self._sources is None:
            from sehat.generate import GenerateConfig, generate

            data = self.root / "sources"
            self.summary = generate(GenerateConfig(customers=300, days=DAYS, start=START, seed=11, data_dir=data))
            self._sources = data
        return self._sources

    def new_home(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=False)
        return path

    @contextmanager
    def env_for(self, home: Path) -> Iterator[Settings]:
        """Point SEHAT_* at ``home`` (sources shared) for the duration; yields its Settings."""
        with sehat_home(home, SEHAT_DATA_DIR=self.sources()) as cfg:
            yield cfg

    def child_env(self, home: Path) -> dict[str, str]:
        return home_environ(home, SEHAT_DATA_DIR=self.sources())

    def reference(self) -> dict:
        """The reference warehouse (built once): see the module docstring."""
        if self._reference is None:
            self._reference = _build_reference(self)
        return self._reference


def land(cfg: Settings, days: list[date]) -> None:
    """The ingest DAG's writers for each day: the loads, then the erasure (sehat.daily.STEPS)."""
    from sehat.erasure import erase
    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.production import extract_day

    for day in days:
        ingest_day(day, cfg)
        extract_day(day, cfg)
        erase(cfg, day)


def relations(con) -> list[str]:
    """Every table and view of the raw, staging, intermediate and marts layers."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables()"
        " WHERE schema_name IN ('raw','staging','intermediate','marts')"
        " UNION ALL SELECT schema_name, view_name FROM duckdb_views()"
        " WHERE NOT internal AND schema_name IN ('staging','intermediate','marts')"
    ).fetchall()
    return sorted(f"{s}.{t}" for s, t in rows)


def checksums(con, names: list[str] | None = None) -> dict[str, str]:
    from sehat.warehouse import table_checksum

    out = {}
    for rel in names or relations(con):
        cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
        out[rel] = table_checksum(con, rel, tuple(sorted(cols & LOAD_TIME_COLUMNS)))
    return out


_HAMMER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from sehat.warehouse import reader, restricted_reader
    stop, out = Path(sys.argv[1]), Path(sys.argv[2])
    ok, errors, seen = 0, [], set()
    while not stop.exists():
        try:
            with restricted_reader() as con:  # a job reading raw while the pipeline writes
                n = con.execute("SELECT count(*) FROM raw.clevertap_events").fetchone()[0]
                con.execute("SELECT count(*), count(DISTINCT event_name) FROM raw.clevertap_events").fetchall()
            with reader() as con:  # an analyst on the analysts' snapshot
                for schema, name in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
                    con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchall()
            ok += 1
            seen.add(n)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.01)
    out.write_text(json.dumps({"ok": ok, "errors": errors, "distinct_counts": sorted(seen)}))
    """
)


def _build_reference(w: World) -> dict:
    """Days landed in order while an analyst process queries the snapshots, dbt built, snapshots
    refreshed, segment gated and published."""
    import json
    import shutil
    import subprocess
    import sys
    import time

    from sehat.release.exports import publish_export, release_of, validate_export
    from sehat.transform.dbt import dbt_build
    from sehat.warehouse import refresh_reader

    home = w.new_home("reference")
    with w.env_for(home) as cfg:
        land(cfg, ALL_DAYS[:1])
        refresh_reader(cfg)  # a first snapshot for the analysts
        stop, out = home / "stop", home / "hammer.json"
        hammer = subprocess.Popen([sys.executable, "-c", _HAMMER, str(stop), str(out)], env=w.child_env(home))
        try:
            time.sleep(1.0)
            for day in ALL_DAYS[1:]:
                land(cfg, [day])
                refresh_reader(cfg)
            dbt_build(vars={"as_of_date": ALL_DAYS[-1].isoformat()}, cfg=cfg, on_line=lambda _l: None)
            refresh_reader(cfg)
        finally:
            stop.touch()
            hammer.wait(timeout=60)
        tally = json.loads(out.read_text())
        run_id = "reference_run"
        gate = validate_export(SEGMENT, ALL_DAYS[-1], run_id, cfg)
        # keep the validated candidate: publishing consumes it, the kill test promotes a copy
        candidate = home / "validated_candidate"
        shutil.copytree(release_of(SEGMENT, cfg).candidate_dir(run_id), candidate)
        publication = publish_export(SEGMENT, run_id, cfg)
        result = {"home": home, "cfg": cfg, "tally": tally, "gate": gate, "publication": publication,
                  "run_id": run_id, "candidate": candidate}
    return result
