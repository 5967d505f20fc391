"""A day with no CleverTap files at all is an error, unless it is expected.

The CleverTap loader reads whatever files exist for a day; zero files gives an empty,
"successful" load. On a schedule that is nearly always a mistake (the export did not
arrive, or the run is for a day the landing area never had, e.g. the day a freshly
unpaused DAG schedules first), so the daily run stops there with
:class:`NoExportFiles`, and the failure alert fires.

A day that is really quiet is declared with ``SEHAT_EMPTY_DAYS_OK``: ``all`` (or ``1``,
``true``), or a comma-separated list of days (``2026-11-03,2026-11-04``).
"""

from __future__ import annotations

import os
from datetime import date

from sehat.errors import SehatError

EMPTY_DAYS_OK_ENV = "SEHAT_EMPTY_DAYS_OK"


class NoExportFiles(SehatError):
    """No CleverTap export file and no API page for a day that was not declared empty."""


def empty_day_allowed(day: date, setting: str | None = None) -> bool:
    value = (os.environ.get(EMPTY_DAYS_OK_ENV, "") if setting is None else setting).strip().lower()
    if value in ("all", "1", "true", "yes"):
        return True
    return day.isoformat() in {part.strip() for part in value.split(",") if part.strip()}


def require_export_files(report, setting: str | None = None) -> None:
    """Raise :class:`NoExportFiles` when the CleverTap ``report`` read no file for its day."""
    detail = report.detail or {}
    files = int(detail.get("export_files", 0)) + int(detail.get("api_pages", 0))
    if files == 0 and not empty_day_allowed(report.batch_date, setting):
        raise NoExportFiles(
            f"no CleverTap export file or API page for {report.batch_date}: the export has not"
            f" landed, or this day is outside the data. If the day is really empty, set"
            f" {EMPTY_DAYS_OK_ENV}={report.batch_date} (or 'all') and re-run it"
        )
