"""Loading sources into the warehouse's ``raw`` schema.

* :mod:`sehat.ingest.clevertap`: CleverTap export files and API pages of one day
  (:mod:`sehat.ingest.clevertap_files`: the landing files seen, shrink guard, late files, warnings).
* :mod:`sehat.ingest.production`: production tables, incrementally by watermark.

Both write one :class:`LoadReport` per source and day into ``raw.load_log``;
its invariant is ``read == loaded + quarantined``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import duckdb

LOAD_LOG_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.load_log (
    source      VARCHAR NOT NULL,
    batch_date  DATE NOT NULL,
    read        BIGINT NOT NULL,
    loaded      BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    seconds     DOUBLE,
    detail      JSON,
    loaded_at   TIMESTAMP DEFAULT current_timestamp
);
"""


@dataclass
class LoadReport:
    """What one load did. ``read == loaded + quarantined`` always."""

    source: str
    batch_date: date
    read: int
    loaded: int
    quarantined: int
    seconds: float
    detail: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.read != self.loaded + self.quarantined:
            raise AssertionError(
                f"{self.source} {self.batch_date}: read {self.read} != loaded {self.loaded}"
                f" + quarantined {self.quarantined}"
            )

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else float("nan")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["batch_date"] = self.batch_date.isoformat()
        return d


def forget_load(con: duckdb.DuckDBPyConnection, source: str, day: date) -> None:
    """Remove the load-log row of (source, day): a load in progress (or killed) has none."""
    con.execute(LOAD_LOG_DDL)
    con.execute("DELETE FROM raw.load_log WHERE source = ? AND batch_date = ?", [source, day])


def record_load(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """Replace the load-log row of (source, day): re-running a day leaves one row."""
    import json

    forget_load(con, report.source, report.batch_date)
    con.execute(
        "INSERT INTO raw.load_log (source, batch_date, read, loaded, quarantined, seconds, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            report.source,
            report.batch_date,
            report.read,
            report.loaded,
            report.quarantined,
            report.seconds,
            json.dumps(report.detail, default=str),
        ],
    )
