"""DuckDB access: the single writer, the read-only snapshot, source attachments.

DuckDB allows one writer per file and not even a read-only reader beside it,
so Sehat keeps two files:

* ``warehouse_path``: written only by pipeline tasks, serialised by the Airflow
  pool ``duckdb_writer`` (one slot);
* two snapshots, refreshed after each transform (written to a temporary name and
  renamed into place, atomic on POSIX; an open reader keeps the old inode, so a
  refresh never breaks a running query):

  - the **restricted snapshot** (:func:`restricted_path`, ``sehat_restricted.duckdb``
    beside the writer file): a copy of the whole checkpointed writer file, raw,
    staging, identity and ``restricted.dim_customer_pii`` included. Pipeline jobs that
    read staging (models, status) open it with :func:`restricted_reader`; analysts
    must not get read access to it (file permissions are the only door DuckDB has);
  - the **analysts' snapshot** (``reader_path``, ``sehat_read.duckdb``): a fresh file
    holding only the schemas in :data:`ANALYST_SCHEMAS`, copied table by table (a
    copied file with schemas dropped would still hold their bytes). DuckDB has no
    grants, so what is not in this file is what analysts cannot read.
    :func:`reader` opens it read-only with external access disabled and the
    configuration locked: no ``read_csv('/etc/passwd')``, no ``COPY ... TO``, no
    ``ATTACH`` of the restricted file.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sehat.config import Settings, settings

# DuckDB extensions cannot be downloaded on these machines; they ship as PyPI
# wheels (duckdb-extension-<name>) holding the binary for duckdb 1.5.5.
_EXTENSION_PACKAGES = {
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
}


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a bundled DuckDB extension (``postgres_scanner`` or ``sqlite_scanner``)."""
    package = _EXTENSION_PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"DuckDB extension package {package!r} is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    binary = next(root.rglob(f"{name}.duckdb_extension"), None)
    if binary is None:
        raise RuntimeError(f"{package} holds no {name}.duckdb_extension for duckdb {duckdb.__version__}")
    con.execute(f"LOAD '{binary}'")


def attach_source(con: duckdb.DuckDBPyConnection, url: str, alias: str = "src", read_only: bool = True) -> str:
    """ATTACH a production database given as ``sqlite:///path`` or ``postgresql://...``.

    Returns the schema prefix to use in queries (``src`` for SQLite,
    ``src.<schema>`` for PostgreSQL, where the schema comes from the URL's
    ``options=-csearch_path=<schema>`` and defaults to ``public``).
    """
    mode = " READ_ONLY" if read_only else ""
    if url.startswith("sqlite:///"):
        load_extension(con, "sqlite_scanner")
        path = url.removeprefix("sqlite:///")
        con.execute(f"ATTACH '{path}' AS {alias} (TYPE sqlite{',' + mode if mode else ''})")
        return alias
    if url.startswith(("postgresql://", "postgres://")):
        load_extension(con, "postgres_scanner")
        con.execute(f"ATTACH '{_libpq_dsn(url)}' AS {alias} (TYPE postgres{',' + mode if mode else ''})")
        return f"{alias}.{postgres_schema(url)}"
    raise ValueError(f"unsupported production database URL {url!r}: use sqlite:///path or postgresql://...")


def postgres_schema(url: str) -> str:
    """The schema a PostgreSQL URL selects with ``options=-csearch_path=<schema>`` (else ``public``)."""
    from urllib.parse import parse_qs, urlsplit

    for option in parse_qs(urlsplit(url).query).get("options", []):
        for part in option.split():
            if part.startswith("-csearch_path="):
                return part.split("=", 1)[1].split(",")[0]
    return "public"


def _libpq_dsn(url: str) -> str:
    # postgresql+psycopg://... (SQLAlchemy spelling) -> postgresql://...
    _scheme, rest = url.split("://", 1)
    return "postgresql://" + rest


@contextmanager
def writer(cfg: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer connection. Only pipeline tasks in the ``duckdb_writer`` pool use it."""
    cfg = cfg or settings()
    cfg.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    if not cfg.warehouse_path.exists():
        # A file's storage version is fixed when it is created; the current one stores
        # ZSTD-compressed strings (raw CleverTap records: a quarter of the size of the
        # default FSST and 1.6x faster to write). Only this DuckDB release and later read it.
        duckdb.connect(str(cfg.warehouse_path), config={"storage_compatibility_version": "latest"}).close()
    con = duckdb.connect(str(cfg.warehouse_path))
    con.execute("SET enable_progress_bar = false")  # task logs and the CLI show their own progress
    try:
        yield con
        con.execute("CHECKPOINT")
    finally:
        con.close()


# What analysts may read: the marts (customer view with hashed/masked identifiers, segments,
# consultations, prescriptions, experiments, content), their history (snapshots) and the model
# outputs keyed by customer_key (ml). Never raw, staging, intermediate (identity graph) or restricted.
ANALYST_SCHEMAS = ("marts", "snapshots", "ml")

# An analyst connection reads tables in its file and nothing else: no file, URL or ATTACH
# (enable_external_access, set when the database opens), then every setting locked for the
# connection's life (lock_configuration, set last).
ANALYST_CONFIG = {"enable_external_access": False}


def restricted_path(cfg: Settings | None = None) -> Path:
    """The restricted snapshot: every layer, PII included (beside the writer file)."""
    cfg = cfg or settings()
    return cfg.warehouse_path.with_name("sehat_restricted.duckdb")


def _no_snapshot(path: Path) -> FileNotFoundError:
    return FileNotFoundError(f"no warehouse snapshot at {path}: run the pipeline first (sehat run --help)")


@contextmanager
def reader(cfg: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An analyst connection to the analysts' snapshot (never blocks on the writer).

    Read-only, only :data:`ANALYST_SCHEMAS`, no file or network access, configuration locked.
    """
    cfg = cfg or settings()
    if not cfg.reader_path.exists():
        raise _no_snapshot(cfg.reader_path)
    con = duckdb.connect(str(cfg.reader_path), read_only=True, config=ANALYST_CONFIG)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


@contextmanager
def restricted_reader(cfg: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the restricted snapshot (every layer, PII included): for
    pipeline jobs and operators, never for analysts."""
    path = restricted_path(cfg)
    if not path.exists():
        raise _no_snapshot(path)
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET enable_progress_bar = false")
    try:
        yield con
    finally:
        con.close()


def refresh_reader(cfg: Settings | None = None) -> Path:
    """Publish the writer file as the two read-only snapshots, atomically each; returns the
    analysts' snapshot.

    Must run while holding the writer slot (nothing else writes meanwhile).
    """
    cfg = cfg or settings()
    with writer(cfg):
        pass  # open + CHECKPOINT + close: the file is self-contained, no WAL left
    restricted = restricted_path(cfg)
    tmp = restricted.with_name(f".{restricted.name}.{uuid.uuid4().hex}.tmp")
    shutil.copyfile(cfg.warehouse_path, tmp)
    os.replace(tmp, restricted)

    cfg.reader_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = cfg.reader_path.with_name(f".{cfg.reader_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with duckdb.connect(str(tmp), config={"storage_compatibility_version": "latest"}) as con:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"ATTACH '{restricted}' AS whole (READ_ONLY)")
            relations = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'whole'"
                " AND schema_name IN ? UNION ALL SELECT schema_name, view_name FROM duckdb_views()"
                " WHERE database_name = 'whole' AND NOT internal AND schema_name IN ? ORDER BY ALL",
                [list(ANALYST_SCHEMAS), list(ANALYST_SCHEMAS)],
            ).fetchall()
            for schema in ANALYST_SCHEMAS:
                con.execute(f'CREATE SCHEMA "{schema}"')
            for schema, name in relations:  # views are materialised: their sources stay behind
                con.execute(f'CREATE TABLE "{schema}"."{name}" AS SELECT * FROM whole."{schema}"."{name}"')
            con.execute("DETACH whole")
        os.replace(tmp, cfg.reader_path)
    finally:
        tmp.unlink(missing_ok=True)
    return cfg.reader_path


def snapshot_fingerprint(cfg: Settings) -> dict:
    """Which warehouse snapshot a candidate was read from (path, size, modification time)."""
    path = cfg.reader_path
    if not path.exists():
        return {"snapshot": str(path), "exists": False}
    stat = path.stat()
    return {"snapshot": str(path), "bytes": stat.st_size,
            "snapshot_mtime": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")}


LAYERS = ("raw", "enriched", "staging", "intermediate", "marts")  # enriched: sehat.enrich.step


def layer_counts(cfg: Settings | None = None) -> list[tuple[str, str, int]]:
    """(schema, relation, rows) for every table and view of the restricted snapshot, layer by layer."""
    with restricted_reader(cfg) as con:
        relations = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ?"
            " UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE schema_name IN ? AND NOT internal",
            [list(LAYERS), list(LAYERS)],
        ).fetchall()
        order = {s: i for i, s in enumerate(LAYERS)}
        return [
            (schema, name, con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0])
            for schema, name in sorted(relations, key=lambda r: (order[r[0]], r[1]))
        ]


def table_checksum(con: duckdb.DuckDBPyConnection, relation: str, exclude: tuple[str, ...] = ()) -> str:
    """Order-independent checksum of a relation's rows (columns in ``exclude`` ignored)."""
    cols = "*" + (f" EXCLUDE ({', '.join(exclude)})" if exclude else "")
    return con.execute(
        f"SELECT md5(coalesce(string_agg(x::VARCHAR, chr(10) ORDER BY x::VARCHAR), ''))"
        f" FROM (SELECT {cols} FROM {relation}) x"
    ).fetchone()[0]
