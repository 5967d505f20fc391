"""Load SAPE labels into ``raw.sape_consultation_labels`` and ``raw.sape_sentence_labels``.

The files are the documented label format (``data/labels/README.md``; category and
subcategory names from ``sehat.sources.chats``): the generated sample by default, or real labels given
as files (Parquet or CSV with the same columns). Each load **replaces** the
table contents (labels are a full export of the labelling tool, not a stream),
so re-loading is idempotent. One :class:`~sehat.ingest.LoadReport` per table in
``raw.load_log`` (sources ``sape_consultation_labels`` / ``sape_sentence_labels``),
with ``read == loaded + quarantined``: rows with a missing key or a score
outside 0 / 0.5 (1.0 for category scores) are quarantined, not loaded.

``source_file`` (and the load log's ``file``) is relative to the landing root
(``SEHAT_DATA_DIR``), so the same data loaded under two homes gives the same
table checksums; a file given from outside the landing root keeps its absolute path.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb

from sehat.config import Settings, settings
from sehat.ingest import LoadReport, record_load
from sehat.sources.chats import CATEGORY_SCORES, SUBCATEGORIES
from sehat.warehouse import writer

CONSULTATION_FILE = "sape_consultation_labels.parquet"
SENTENCE_FILE = "sape_sentence_labels.parquet"
SCORES = CATEGORY_SCORES

DDL = f"""
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.sape_consultation_labels (
    consultation_id BIGINT, labeller VARCHAR,
    {", ".join(f"{c} DOUBLE" for c in SUBCATEGORIES + SCORES)},
    labelled_at TIMESTAMP, source_file VARCHAR, loaded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS raw.sape_sentence_labels (
    consultation_id BIGINT, message_id BIGINT, sentence_index INTEGER, speaker VARCHAR, sentence VARCHAR,
    is_question BOOLEAN, category VARCHAR, labeller VARCHAR, source_file VARCHAR, loaded_at TIMESTAMP
);
"""

_VALID_CONSULTATION = " AND ".join(
    ["consultation_id IS NOT NULL"]
    + [f"{c} IN (0, 0.5)" for c in SUBCATEGORIES]
    + [f"{c} IN (0, 0.5, 1)" for c in SCORES]
)
_VALID_SENTENCE = ("consultation_id IS NOT NULL AND message_id IS NOT NULL AND sentence_index IS NOT NULL"
                   " AND sentence IS NOT NULL AND (category IS NULL OR category IN ('S', 'A', 'P', 'E'))")


def _stored_path(path: Path, root: Path) -> str:
    """``path`` relative to the landing root when it lies under it, else as given (absolute)."""
    path, root = path.resolve(), root.resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _reader(path: Path) -> str:
    fn = "read_csv" if path.suffix.lower() == ".csv" else "read_parquet"
    return f"{fn}('{str(path).replace(chr(39), chr(39) * 2)}')"


def load_labels(con: duckdb.DuckDBPyConnection, batch_date: date, *,
                consultation_file: Path | None = None, sentence_file: Path | None = None,
                cfg: Settings | None = None) -> list[LoadReport]:
    """Replace both label tables from the files (default ``$SEHAT_DATA_DIR/labels/*.parquet``).

    Missing default files -> empty tables and reports with 0 rows (a platform with no labels yet).
    Returns the two reports (also written to ``raw.load_log`` for ``batch_date``).
    """
    cfg = cfg or settings()
    con.execute(DDL)
    files = {
        "sape_consultation_labels": Path(consultation_file or cfg.data_dir / "labels" / CONSULTATION_FILE),
        "sape_sentence_labels": Path(sentence_file or cfg.data_dir / "labels" / SENTENCE_FILE),
    }
    for name, path in files.items():
        if (name == "sape_consultation_labels" and consultation_file or name == "sape_sentence_labels"
                and sentence_file) and not path.exists():
            raise FileNotFoundError(f"label file {path} does not exist")
    reports = []
    con.execute("BEGIN TRANSACTION")
    try:
        for name, path in files.items():
            started = time.perf_counter()
            con.execute(f"DELETE FROM raw.{name}")
            if not path.exists():
                reports.append(LoadReport(name, batch_date, 0, 0, 0, time.perf_counter() - started,
                                          {"file": _stored_path(path, cfg.data_dir), "missing": True}))
                continue
            valid = _VALID_CONSULTATION if name == "sape_consultation_labels" else _VALID_SENTENCE
            columns = [r[0] for r in con.execute(f"DESCRIBE raw.{name}").fetchall()
                       if r[0] not in ("source_file", "loaded_at")]
            con.execute("CREATE OR REPLACE TEMP TABLE _labels AS SELECT "
                        + ", ".join(f"TRY_CAST({c} AS {_type(con, name, c)}) AS {c}" for c in columns)
                        + f" FROM {_reader(path)}")
            read = con.execute("SELECT count(*) FROM _labels").fetchone()[0]
            con.execute(f"INSERT INTO raw.{name} SELECT *, ?, current_timestamp FROM _labels WHERE {valid}",
                        [_stored_path(path, cfg.data_dir)])
            loaded = con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0]
            reports.append(LoadReport(name, batch_date, read, loaded, read - loaded,
                                      time.perf_counter() - started, {"file": _stored_path(path, cfg.data_dir)}))
            con.execute("DROP TABLE _labels")
        for report in reports:
            record_load(con, report)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return reports


def _type(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    return con.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?"
        " AND column_name = ?", [table, column]).fetchone()[0]


def ingest_day(day: date, cfg: Settings | None = None) -> list[LoadReport]:
    """The daily step: reload the labelling team's files through the writer connection."""
    cfg = cfg or settings()
    with writer(cfg) as con:
        return load_labels(con, day, cfg=cfg)
