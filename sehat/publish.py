"""Publishing: promote a validated candidate to its destinations, atomically.

Two destinations per export (segments, recommendations, content rankings, cohorts):

1. a **file drop**::

    published/<kind>/<name>/<publication id>/members.parquet
                                             members.csv
                                             manifest.json   (rows, columns, sha256 per file, checks)
    published/<kind>/<name>/CURRENT          (the live publication's directory)

   A publication id is ``<as_of>__<run id>``; its directory has that name, or
   ``<id>.2``, ``<id>.3`` when the same run is published again (a retry).

   (``kind`` is ``segments`` for segments, so their layout is unchanged);
2. a **table in the campaign tool's PostgreSQL store** (``$SEHAT_CAMPAIGN_DB_URL``;
   skipped when unset): ``<schema>.<kind>__<name>``, loaded into a staging table and
   swapped in with renames inside one transaction, plus a row in
   ``<schema>.sehat_publications``. The schema comes from the URL's
   ``options=-csearch_path=<schema>``, default ``campaign``.

Order: the file drop is staged, the PostgreSQL swap commits, then ``CURRENT``
moves. If PostgreSQL fails, nothing moves and both stay on the previous run.

A publication directory is written under a temporary name and renamed into
place, then ``CURRENT`` is replaced with ``os.replace``: a consumer sees the
old publication or the new one, never half of one. Only a candidate whose
``validation.json`` says it passed can be promoted; otherwise nothing changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sehat.config import Settings, settings
from sehat.gate import candidate_dir, safe_run_id
from sehat.segments import DESTINATIONS, get_segment


class NotValidated(RuntimeError):
    """Raised when asked to publish something the gate did not pass."""


CAMPAIGN_DB_ENV = "SEHAT_CAMPAIGN_DB_URL"


def segment_dir(cfg: Settings, name: str) -> Path:
    try:
        kind = get_segment(name).kind
    except KeyError:
        kind = "segments"
    return cfg.publish_dir / kind / name


def campaign_db_url() -> str | None:
    return os.environ.get(CAMPAIGN_DB_ENV) or None


def _pg_type(series: pd.Series) -> str:
    import datetime as dt

    kind = series.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    sample = series.dropna()
    value = sample.iloc[0] if len(sample) else None
    if isinstance(value, dt.datetime):
        return "TIMESTAMP"
    if isinstance(value, dt.date):
        return "DATE"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE PRECISION"
    return "TEXT"


def write_campaign_table(df: pd.DataFrame, table: str, publication_id: str, url: str, sha256: str) -> dict:
    """Replace ``<schema>.<table>`` with ``df`` atomically: load a staging table, rename, one transaction."""
    import io
    import uuid

    import psycopg
    from psycopg import sql

    from sehat.warehouse import postgres_schema

    schema = postgres_schema(url) if "search_path" in url else "campaign"
    staging = f"{table}__load_{uuid.uuid4().hex[:8]}"
    previous = f"{table}__previous"
    cols = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(df[c]))) for c in df.columns
    )
    buf = io.StringIO()
    df.to_csv(buf, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S.%f")
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as con:  # one transaction: commit on success, rollback on error
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        con.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.sehat_publications (table_name TEXT, publication_id TEXT, rows BIGINT,"
            " sha256 TEXT, published_at TIMESTAMPTZ DEFAULT now())").format(sql.Identifier(schema)))
        con.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(sql.Identifier(schema), sql.Identifier(staging), cols))
        with con.cursor().copy(sql.SQL("COPY {}.{} FROM STDIN (FORMAT csv)").format(
                sql.Identifier(schema), sql.Identifier(staging))) as copy:
            copy.write(buf.getvalue())
        con.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(sql.Identifier(schema), sql.Identifier(previous)))
        con.execute(sql.SQL("ALTER TABLE IF EXISTS {}.{} RENAME TO {}").format(
            sql.Identifier(schema), sql.Identifier(table), sql.Identifier(previous)))
        con.execute(sql.SQL("ALTER TABLE {}.{} RENAME TO {}").format(
            sql.Identifier(schema), sql.Identifier(staging), sql.Identifier(table)))
        con.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(sql.Identifier(schema), sql.Identifier(previous)))
        con.execute(sql.SQL("INSERT INTO {}.sehat_publications (table_name, publication_id, rows, sha256)"
                            " VALUES (%s, %s, %s, %s)").format(sql.Identifier(schema)),
                    [table, publication_id, len(df), sha256])
    return {"schema": schema, "table": table, "rows": len(df)}


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks (manifests of every publication)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace`` (readers see old or new)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _fresh_directory_name(root: Path, pub_id: str) -> str:
    """``pub_id`` for the first attempt of a run, then ``pub_id.2``, ``pub_id.3``, ...

    Re-publishing the same run (a retried task) writes a new directory and moves
    ``CURRENT`` to it, so a consumer that just read ``CURRENT`` keeps reading a
    complete, unchanged publication; superseded attempts are kept like older runs.
    """
    name, attempt = pub_id, 1
    while (root / name).exists():
        attempt += 1
        name = f"{pub_id}.{attempt}"
    return name


def publish_segment(name: str, run_id: str, cfg: Settings | None = None) -> dict:
    """Promote the validated candidate of (segment, run) and make it the live publication."""
    cfg = cfg or settings()
    segment = get_segment(name)
    cand = candidate_dir(cfg, name, run_id)
    validation_file = cand / "validation.json"
    if not validation_file.exists():
        raise NotValidated(f"no gate result for segment {name!r} run {run_id!r} in {cand}: run the gate first")
    validation = json.loads(validation_file.read_text())
    if not validation["passed"] or not (cand / "members.parquet").exists():
        raise NotValidated(f"segment {name!r} run {run_id!r} did not pass its gate: nothing published")

    pub_id = f"{validation['as_of']}__{safe_run_id(run_id)}"
    root = segment_dir(cfg, name)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{pub_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    df = pd.read_parquet(cand / "members.parquet")
    shutil.copyfile(cand / "members.parquet", staging / "members.parquet")
    df.to_csv(staging / "members.csv", index=False)
    manifest = {
        "segment": name,
        "kind": segment.kind,
        "publication_id": pub_id,
        "run_id": run_id,
        "as_of": validation["as_of"],
        "destination": segment.destination,
        "rows": len(df),
        "columns": list(df.columns),
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {
            f.name: {"sha256": sha256_file(f), "bytes": f.stat().st_size}
            for f in sorted(staging.iterdir())
        },
        "checks": validation["checks"],
    }
    url = campaign_db_url()
    dest = DESTINATIONS.get(segment.destination)
    if url and (dest is None or dest.campaign_table):
        manifest["campaign_db"] = write_campaign_table(
            df, segment.table_name, pub_id, url, manifest["files"]["members.parquet"]["sha256"]
        )
    else:
        manifest["campaign_db"] = None

    directory = _fresh_directory_name(root, pub_id)
    manifest["directory"] = directory
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    os.rename(staging, root / directory)  # a new name every attempt: the live directory is never touched
    write_atomic(root / "CURRENT", directory + "\n")
    shutil.rmtree(cand, ignore_errors=True)
    return manifest


def current_publication(name: str, cfg: Settings | None = None) -> dict | None:
    """The live publication's manifest, or None if nothing was published yet."""
    cfg = cfg or settings()
    pointer = segment_dir(cfg, name) / "CURRENT"
    if not pointer.exists():
        return None
    manifest = segment_dir(cfg, name) / pointer.read_text().strip() / "manifest.json"  # CURRENT names the directory
    return json.loads(manifest.read_text())


def publish_many(names: list[str], run_id: str, cfg: Settings | None = None) -> dict:
    """Publish every validated candidate in ``names``; {"published": {name: id}, "failed": {name: msg}}."""
    published, failed = {}, {}
    for name in names:
        try:
            published[name] = publish_segment(name, run_id, cfg)["publication_id"]
        except Exception as exc:  # noqa: BLE001 - one destination failing must not block the others
            failed[name] = f"{type(exc).__name__}: {exc}"
    return {"published": published, "failed": failed}


def list_publications(cfg: Settings | None = None) -> list[dict]:
    """Every export's live publication (for ``sehat published``)."""
    cfg = cfg or settings()
    out = []
    for kind in ("segments", "recommendations", "content", "cohorts"):
        root = cfg.publish_dir / kind
        for d in sorted(root.iterdir()) if root.exists() else []:
            manifest = current_publication(d.name, cfg)
            if manifest:
                manifest["path"] = str(d / manifest.get("directory", manifest["publication_id"]))
                out.append(manifest)
    return out
