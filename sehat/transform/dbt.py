"""Run the dbt project (``dbt_project/``) as a subprocess.

Why a subprocess: DuckDB allows one writer per file, and in-process dbt keeps its
connection (and its lock) for as long as the Python process lives. A child process
releases the file the moment it exits, so the caller can open the warehouse right
after (reader snapshot, quality gate) and one Airflow worker can run many builds.

* :func:`dbt_build` runs the enrichment step (:func:`sehat.enrich.step.enrich`: the
  ``enriched.*`` lookup tables dbt reads as a source), closes the warehouse, then runs
  ``dbt build`` (models, data tests, unit tests, in DAG order)
  against the warehouse named by :func:`sehat.config.settings`, streams dbt's log lines,
  and returns the counts read from ``target/run_results.json``; it raises
  :class:`DbtBuildError` naming the failing nodes when anything errors or fails.
* :func:`dbt_parse` writes ``target/manifest.json`` without touching the warehouse.
* :func:`ensure_manifest` keeps :data:`COSMOS_MANIFEST` up to date: the manifest the
  ``sehat_dbt_models`` DAG renders from (Cosmos ``LoadMode.DBT_MANIFEST``), so parsing
  that DAG never runs dbt. ``init_airflow`` calls it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sehat.config import COSMOS_MANIFEST, DBT_PROJECT_DIR, Settings, settings
from sehat.subprocesses import WriterBusy, die_with_parent, lock_holder

log = logging.getLogger(__name__)

# What `dbt parse` reads: a manifest older than any of these is stale.
_PROJECT_INPUTS = (
    "dbt_project.yml",
    "packages.yml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests",
    "analyses",
)

# statuses in run_results.json
_OK = {"success", "pass"}
_FAILED = {"error", "fail", "runtime error"}


class DbtError(RuntimeError):
    """dbt could not run, or a run ended with errors / failing tests."""

    def __init__(self, message: str, result: DbtResult | None = None):
        super().__init__(message)
        self.result = result


class DbtBuildError(DbtError):
    """``dbt build`` finished with failing nodes (``.result.failed_nodes``)."""


@dataclass(frozen=True)
class NodeResult:
    """One line of ``run_results.json``."""

    unique_id: str  # model.sehat.dim_customers, test.sehat.unique_..., unit_test.sehat....
    status: str  # success / error / skipped (models); pass / fail / warn / error / skipped (tests)
    message: str | None = None
    failures: int | None = None  # failing rows of a test
    seconds: float = 0.0  # execution_time

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]


@dataclass(frozen=True)
class DbtResult:
    """What a dbt invocation did, from its exit code and ``run_results.json``."""

    command: tuple[str, ...]
    returncode: int
    elapsed_seconds: float
    nodes: tuple[NodeResult, ...] = ()
    output: str = field(default="", repr=False)
    run_results_path: Path | None = None
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds per stage of :func:`dbt_build`: enrich, dbt (and on Spark lake_sync, import, snapshot)."""

    def _count(self, resource_types: set[str], statuses: set[str]) -> int:
        return sum(
            1 for n in self.nodes if n.resource_type in resource_types and n.status in statuses
        )

    @property
    def models(self) -> int:
        """Models built successfully (views and tables)."""
        return self._count({"model"}, _OK)

    @property
    def models_failed(self) -> int:
        return self._count({"model"}, _FAILED)

    @property
    def tests_passed(self) -> int:
        """Data tests and unit tests that passed."""
        return self._count({"test", "unit_test"}, _OK)

    @property
    def tests_failed(self) -> int:
        return self._count({"test", "unit_test"}, _FAILED)

    @property
    def tests_warned(self) -> int:
        return self._count({"test", "unit_test"}, {"warn"})

    @property
    def unit_tests_passed(self) -> int:
        return self._count({"unit_test"}, _OK)

    @property
    def unit_tests_failed(self) -> int:
        return self._count({"unit_test"}, _FAILED)

    @property
    def skipped(self) -> int:
        return sum(1 for n in self.nodes if n.status == "skipped")

    @property
    def failed_nodes(self) -> tuple[NodeResult, ...]:
        return tuple(n for n in self.nodes if n.status in _FAILED)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failed_nodes

    @property
    def success(self) -> bool:
        return self.ok

    def as_dict(self) -> dict[str, object]:
        """Compact, JSON-friendly counts (what an Airflow task returns as XCom; no log text)."""
        return {
            "success": self.ok,
            "returncode": self.returncode,
            "elapsed_seconds": round(self.elapsed_seconds, 2),
            "models": self.models,
            "models_failed": self.models_failed,
            "tests_passed": self.tests_passed,
            "tests_failed": self.tests_failed,
            "tests_warned": self.tests_warned,
            "unit_tests_passed": self.unit_tests_passed,
            "skipped": self.skipped,
            "failed_nodes": [n.unique_id for n in self.failed_nodes],
            **({"stages": self.stages} if self.stages else {}),
        }

    def summary(self) -> str:
        return (
            f"dbt: {self.models} models, {self.tests_passed} tests passed "
            f"({self.unit_tests_passed} unit), {self.tests_failed} failed, {self.tests_warned} warned, "
            f"{self.skipped} skipped in {self.elapsed_seconds:.1f}s"
        )


def dbt_executable() -> Path:
    """The ``dbt`` installed next to the running interpreter (the project's venv)."""
    candidate = Path(sys.executable).parent / ("dbt.exe" if os.name == "nt" else "dbt")
    if candidate.exists():
        return candidate
    found = shutil.which("dbt")
    if found:
        return Path(found)
    raise DbtError(
        f"dbt not found next to {sys.executable} nor on PATH: install the project with "
        "its orchestration extra (pip install -e '.[orchestration]')"
    )


def dbt_build(
    select: str | None = None,
    vars: Mapping[str, object] | None = None,
    target: str | None = None,
    cfg: Settings | None = None,
    *,
    target_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    unit_tests: bool = True,
) -> DbtResult:
    """The enrichment step, then ``dbt build`` the project against the Sehat warehouse; raise on any failure.

    On the ``duckdb`` and ``spark`` targets the enrichment step (:func:`sehat.enrich.step.enrich`) first
    rewrites ``enriched.*`` from the raw layer in this process and releases the warehouse,
    whatever ``select`` is (it takes seconds; a selection never sees stale lookups).
    ``select`` is a dbt selector (``"marts"``, ``"+dim_customers"``, ...), ``vars``
    becomes ``--vars``, except ``as_of_date`` (e.g. ``{"as_of_date": "2025-11-30"}``), which goes
    to dbt as ``SEHAT_AS_OF_DATE`` (read at run time, :func:`_run_dbt`), so a new day keeps dbt's
    partial parse. ``unit_tests=False`` leaves dbt's unit tests out (the daily build: CI runs them,
    tests/dbt/test_dbt_build.py). ``target`` defaults to the
    configured engine (``SEHAT_ENGINE``: ``duckdb``, or ``spark``, which copies the sources
    to the Parquet lake first and loads what Spark built back into the DuckDB file after,
    :mod:`sehat.transform.lake`). ``target_path`` redirects dbt's artifacts (default
    ``$DBT_TARGET_PATH`` or ``dbt_project/target``). Each output line is passed to
    ``on_line`` (default: this module's logger).
    """
    cfg = cfg or settings()
    target = target or cfg.engine
    stages: dict[str, float] = {}
    started = time.monotonic()
    if target in ("duckdb", "spark"):
        from sehat.enrich.step import enrich

        cfg.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        enrich(cfg)  # opens and closes the writer before dbt (or the lake sync) takes it
        stages["enrich"] = time.monotonic() - started
    if target == "spark":
        from sehat.transform.lake import sync_sources

        mark = time.monotonic()
        sync_sources(cfg, ensure_manifest())
        stages["lake_sync"] = time.monotonic() - mark
    args = ["build"]
    if select:
        args += ["--select", select]
    if not unit_tests and target != "spark":
        args += ["--exclude-resource-type", "unit_test"]
    if target == "spark":
        # Unit-test fixtures are DuckDB/PostgreSQL SQL (they run on the default engine); dbt-spark
        # snapshots need Delta, Iceberg or Hudi, whose jars no offline package ships: the snapshot
        # runs on the DuckDB file after the import below (on Databricks it runs on the cluster).
        args += ["--exclude-resource-type", "unit_test", "--exclude-resource-type", "snapshot"]
    vars = dict(vars or {})
    as_of = vars.pop("as_of_date", None)
    if vars:
        args += ["--vars", json.dumps(vars, default=str)]
    result = _run_dbt(args, target=target, cfg=cfg, target_path=target_path, on_line=on_line, as_of=as_of)
    if not result.ok:
        error = DbtBuildError(_failure_message(result), result)
        if busy := lock_holder(result.output):  # the warehouse is held by another writer
            raise WriterBusy(*busy) from error
        raise error
    stages["dbt"] = result.elapsed_seconds
    if target == "spark":
        from sehat.transform.lake import import_built

        mark = time.monotonic()
        import_built(cfg, ensure_manifest())
        stages["import"] = time.monotonic() - mark
        if not select:  # the profile history (a dbt snapshot) of what Spark built, on DuckDB
            mark = time.monotonic()
            snapshot = ["build", "--select", "resource_type:snapshot"]
            if vars:
                snapshot += ["--vars", json.dumps(vars, default=str)]
            history = _run_dbt(snapshot, target="duckdb", cfg=cfg, target_path=target_path, on_line=on_line,
                               as_of=as_of)
            if not history.ok:
                raise DbtBuildError(_failure_message(history), history)
            stages["snapshot"] = time.monotonic() - mark
    result = replace(result, elapsed_seconds=time.monotonic() - started,
                     stages={k: round(v, 2) for k, v in stages.items()})
    log.info(result.summary())
    return result


def dbt_parse(
    target: str = "duckdb",
    cfg: Settings | None = None,
    *,
    target_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Path:
    """``dbt parse``: write ``manifest.json`` (no warehouse connection); return its path."""
    cfg = cfg or settings()
    result = _run_dbt(["parse"], target=target, cfg=cfg, target_path=target_path, on_line=on_line)
    manifest = _target_dir(target_path) / "manifest.json"
    if result.returncode != 0 or not manifest.exists():
        raise DbtError(_failure_message(result), result)
    return manifest


def manifest_is_fresh(manifest: Path = COSMOS_MANIFEST) -> bool:
    """True when ``manifest`` exists and is newer than every file of the dbt project."""
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    for name in _PROJECT_INPUTS:
        path = DBT_PROJECT_DIR / name
        files = path.rglob("*") if path.is_dir() else [path]
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return False
    return True


def ensure_manifest(
    manifest: Path = COSMOS_MANIFEST,
    *,
    force: bool = False,
    on_line: Callable[[str], None] | None = None,
) -> Path:
    """Write ``manifest`` with ``dbt parse`` unless it is already newer than the project; return it.

    Why a check and an atomic swap: ``init_airflow`` calls this for every deployment (and
    every test deployment), a full parse costs 10-20 s, and a DAG processor may read the
    file at any moment, so dbt writes into a private directory and only a complete
    manifest is renamed into place.
    """
    if not force and manifest_is_fresh(manifest):
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    private = manifest.parent / f".parse-{os.getpid()}"
    started = time.time()
    try:
        written = dbt_parse(
            target_path=private, on_line=on_line or (lambda line: log.debug("%s", line))
        )
        # Dated when the parse started: a file edited during the parse makes it stale.
        os.utime(written, (started, started))
        os.replace(written, manifest)
    finally:
        shutil.rmtree(private, ignore_errors=True)
    log.info("dbt manifest written to %s", manifest)
    return manifest


# --------------------------------------------------------------------------- internals


def _target_dir(target_path: Path | None) -> Path:
    """``target_path``, else dbt's own ``DBT_TARGET_PATH`` variable, else ``dbt_project/target``.

    The variable lets parallel test workers (and parallel deployments of one checkout)
    keep separate artifacts and partial-parse caches.
    """
    if target_path:
        return Path(target_path)
    return Path(os.environ.get("DBT_TARGET_PATH") or DBT_PROJECT_DIR / "target")


def _run_dbt(
    args: list[str],
    *,
    target: str,
    cfg: Settings,
    target_path: Path | None,
    on_line: Callable[[str], None] | None,
    as_of: object = None,
) -> DbtResult:
    target_dir = _target_dir(target_path)
    command = [
        str(dbt_executable()),
        *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", target,
        "--target-path", str(target_dir),
    ]  # fmt: skip
    # On DuckDB, dbt runs in the warehouse's folder and the profile names the file relatively: the
    # profile's `path` is part of what decides whether dbt may parse partially, so an absolute path
    # made every other warehouse (every test world, every benchmark home) cost a full parse.
    workdir = cfg.warehouse_path.parent if target == "duckdb" else DBT_PROJECT_DIR
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SEHAT_WAREHOUSE": cfg.warehouse_path.name if target == "duckdb" else str(cfg.warehouse_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        # The as-of date, read by int_as_of_date_resolved at run time only: as a --vars value it
        # would change dbt's vars every day and throw the partial parse away (a full parse each day).
        "SEHAT_AS_OF_DATE": str(as_of or ""),
    }
    if target == "spark":
        from sehat.transform.lake import synced_sources
        from sehat.transform.spark import dbt_env

        env.update(dbt_env(cfg, sources=synced_sources(cfg.lake)))
    run_results = target_dir / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report a previous run's results
    emit = on_line or (lambda line: log.info("%s", line))

    log.info("running %s", " ".join(command))
    started = time.monotonic()
    lines: list[str] = []
    try:
        proc = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            # a killed caller leaves no dbt holding the warehouse; only prctl runs in the child
            preexec_fn=die_with_parent,  # noqa: PLW1509
        )
    except OSError as exc:
        raise DbtError(f"could not start dbt: {exc}") from exc
    assert proc.stdout is not None
    try:
        with proc.stdout:
            for line in proc.stdout:
                line = line.rstrip("\n")
                lines.append(line)
                emit(line)
        returncode = proc.wait()
    finally:
        if proc.poll() is None:  # interrupted (Ctrl-C, task killed): dbt stops with us
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return DbtResult(
        command=tuple(command),
        returncode=returncode,
        elapsed_seconds=time.monotonic() - started,
        nodes=_read_run_results(run_results),
        output="\n".join(lines),
        run_results_path=run_results if run_results.exists() else None,
    )


def _read_run_results(path: Path) -> tuple[NodeResult, ...]:
    if not path.exists():
        return ()
    data = json.loads(path.read_text())
    return tuple(
        NodeResult(
            unique_id=r["unique_id"],
            status=str(r.get("status", "")).lower(),
            message=r.get("message"),
            failures=r.get("failures"),
            seconds=float(r.get("execution_time") or 0.0),
        )
        for r in data.get("results", [])
    )


def _failure_message(result: DbtResult) -> str:
    verb = result.command[1] if len(result.command) > 1 else "dbt"
    head = f"dbt {verb} failed (exit code {result.returncode})"
    if result.failed_nodes:
        details = "\n".join(
            f"  - {n.resource_type} {n.name}: {n.status}"
            + (f" ({n.failures} failing rows)" if n.failures else "")
            + (f": {n.message.strip()}" if n.message else "")
            for n in result.failed_nodes
        )
        return f"{head}; failing nodes:\n{details}"
    tail = "\n".join(result.output.splitlines()[-25:])
    return f"{head} before running any node; last output:\n{tail}"

