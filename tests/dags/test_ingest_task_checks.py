"""What the ingest steps (sehat.daily, the DAG tasks' bodies) add around the loaders: a day with no CleverTap file fails
(unless declared empty), and the task log says what each load did."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from sehat.ingest import LoadReport
from sehat.ingest.empty_day import NoExportFiles, require_export_files


def _report(files: int, pages: int = 0, read: int = 0) -> LoadReport:
    return LoadReport(
        source="clevertap",
        batch_date=date(2026, 12, 2),
        read=read,
        loaded=max(read - 2, 0),
        quarantined=min(read, 2),
        seconds=1.25,
        detail={
            "export_files": files,
            "api_pages": pages,
            "quarantine_reasons": {"invalid_json": min(read, 2)} if read else {},
        },
    )


def test_a_day_without_any_file_fails(monkeypatch):
    monkeypatch.delenv("SEHAT_EMPTY_DAYS_OK", raising=False)
    with pytest.raises(NoExportFiles, match="2026-12-02"):
        require_export_files(_report(files=0))
    require_export_files(_report(files=3, read=10))  # files: fine
    require_export_files(_report(files=0, pages=1, read=5))  # API pages only: fine


@pytest.mark.parametrize("setting", ["all", "2026-12-01,2026-12-02", "true"])
def test_an_expected_empty_day_passes(monkeypatch, setting):
    monkeypatch.setenv("SEHAT_EMPTY_DAYS_OK", setting)
    require_export_files(_report(files=0))


def test_other_days_still_fail_when_some_are_declared_empty(monkeypatch):
    monkeypatch.setenv("SEHAT_EMPTY_DAYS_OK", "2026-12-01")
    with pytest.raises(NoExportFiles):
        require_export_files(_report(files=0))


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_task_log_names_files_lines_reasons_and_time():
    from sehat.daily import log_loads

    logger = logging.getLogger("tests.sehat.loads")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler := _Lines())
    log_loads(_report(files=3, pages=1, read=4603), logger)
    (line,) = handler.lines
    assert line == (
        "clevertap 2026-12-02: 3 export files, 1 API pages; read 4,603, loaded 4,601,"
        " quarantined 2 (invalid_json=2) in 1.2s"
    )
