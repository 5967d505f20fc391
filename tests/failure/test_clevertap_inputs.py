"""CleverTap inputs that are well-formed but wrong, or lost without a word (issue 18).

Hand-made landing files in a temporary home, one kind of problem per test; each
failed on the loader before it learned the case.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from datetime import date

import pytest

from sehat.ingest.clevertap import ShrinkRefused, ingest_day
from sehat.sources.clevertap import api_page_dir, export_file_name
from sehat.warehouse import writer

DAY = date(2026, 11, 1)


def _line(object_id: str, ts=20261101101010, event="App Launched", **extra) -> str:
    rec = {"ts": ts, "eventName": event, "profile": {"objectId": object_id}, "eventProps": {"n": 1}}
    rec.update(extra)
    return json.dumps(rec)


def _export(cfg, lines: list[str] | bytes, *, index=0, day=DAY, event="App Launched", sep="\n", gz=True,
            name=None):
    cfg.clevertap_export_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.clevertap_export_dir / (name or export_file_name(1, 1762000000, event, day, index, 7))
    data = lines if isinstance(lines, bytes) else (sep.join(lines) + sep).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _quarantine(cfg):
    with writer(cfg) as con:
        return con.execute("SELECT reason, raw_line FROM raw.clevertap_quarantine ORDER BY line_no").fetchall()


def _count(cfg, where="true"):
    with writer(cfg) as con:
        return con.execute(f"SELECT count(*) FROM raw.clevertap_events WHERE {where}").fetchone()[0]


def test_implausible_times_are_quarantined(sehat_home):
    cfg = dataclasses.replace(sehat_home, clevertap_platform_start=date(2020, 1, 1), clevertap_future_days=1)
    _export(cfg, [_line("__far", ts=99991231235959), _line("__2100", ts=21000101000000),
                  _line("__1970", ts=19700101000000), _line("__old", ts=20191231235959),
                  _line("__ok", ts=20261101235959), _line("__late", ts=20261025101010),  # late: kept
                  _line("__tomorrow", ts=20261102120000),  # within the tolerance: kept
                  _line("__beyond", ts=20261103000000)])  # export day + 1 + 1 day: out
    report = ingest_day(DAY, cfg)
    assert report.detail["quarantine_reasons"] == {"ts_out_of_range": 5}
    assert _count(cfg) == 3


def test_the_same_event_in_a_crlf_and_an_lf_file_loads_once(sehat_home):
    lines = [_line(f"__{i}") for i in range(5)]
    _export(sehat_home, lines, index=0, sep="\n")
    _export(sehat_home, lines, index=1, sep="\r\n")
    report = ingest_day(DAY, sehat_home)
    assert (report.loaded, report.detail["quarantine_reasons"]) == (5, {"duplicate": 5})
    assert report.detail["crlf_files"]
    # key order and spacing of the properties do not matter either, the line's bytes do not count
    with writer(sehat_home) as con:
        assert con.execute("SELECT count(*) FROM raw.clevertap_events WHERE record::VARCHAR LIKE '%\r%'"
                           ).fetchone()[0] == 0


def test_the_same_event_spelled_differently_loads_once(sehat_home):
    a = '{"ts":20261101101010,"eventName":"Search","profile":{"objectId":"__s"},"eventProps":{"query":"x"}}'
    b = '{ "eventName" : "Search", "ts" : 20261101101010, "profile" : {"objectId" : "__s", "platform": "iOS"},' \
        ' "event_props" : { "query" : "x" } }'
    _export(sehat_home, [a, b], event="Search")
    assert ingest_day(DAY, sehat_home).loaded == 1


def test_a_bom_is_stripped_and_invalid_utf8_is_flagged(sehat_home):
    bom = b"\xef\xbb\xbf" + (_line("__bom") + "\n" + _line("__second") + "\n").encode()
    _export(sehat_home, bom, index=0)
    bad = (_line("__good") + "\n").encode() + b'{"ts":20261101101010,"eventName":"App Launched","profile":' \
        b'{"objectId":"__caf\xe9"},"eventProps":{}}\n'
    _export(sehat_home, bad, index=1)
    report = ingest_day(DAY, sehat_home)
    assert report.loaded == 3 and report.detail["quarantine_reasons"] == {"invalid_utf8": 1}
    assert report.detail["bom_files"]
    [(reason, raw)] = _quarantine(sehat_home)
    assert reason == "invalid_utf8" and "__caf\\xe9" in raw  # the bad byte is shown, not replaced


def test_a_json_gz_that_is_plain_text_keeps_its_lines(sehat_home):
    _export(sehat_home, [_line("__p1"), _line("__p2"), "{broken"], gz=False)
    report = ingest_day(DAY, sehat_home)
    assert report.loaded == 2
    assert _quarantine(sehat_home) == [("invalid_json", "{broken")]
    assert len(report.detail["not_gzip_files"]) == 1


def test_a_rerun_never_shrinks_a_day_silently(sehat_home):
    cfg = sehat_home
    first = _export(cfg, [_line(f"__a{i}") for i in range(4)], index=0)
    _export(cfg, [_line(f"__b{i}") for i in range(3)], index=1)
    assert ingest_day(DAY, cfg).loaded == 7
    first.unlink()
    with pytest.raises(ShrinkRefused, match="allow-shrink"):
        ingest_day(DAY, cfg)
    assert _count(cfg) == 7  # the loaded day is untouched
    for leftover in cfg.clevertap_export_dir.iterdir():
        leftover.unlink()
    with pytest.raises(ShrinkRefused):
        ingest_day(DAY, cfg)
    report = ingest_day(DAY, cfg, allow_shrink=True)
    assert report.loaded == 0 and any("shrink allowed" in w for w in report.detail["warnings"])
    with writer(cfg) as con:
        detail = json.loads(con.execute("SELECT detail FROM raw.load_log").fetchone()[0])
    assert any("shrink allowed" in w for w in detail["warnings"])


def test_the_allow_shrink_setting_comes_from_the_environment(sehat_home, monkeypatch):
    from sehat.config import settings

    assert settings().clevertap_allow_shrink is False
    monkeypatch.setenv("SEHAT_CLEVERTAP_ALLOW_SHRINK", "1")
    assert settings().clevertap_allow_shrink is True


def test_a_file_landing_for_a_loaded_day_is_loaded_on_the_next_run(sehat_home):
    cfg = sehat_home
    next_day = date(2026, 11, 2)
    _export(cfg, [_line("__d1")], index=0)
    ingest_day(DAY, cfg)
    _export(cfg, [_line("__late_file")], index=5)  # lands for DAY after DAY was loaded
    _export(cfg, [_line("__d2", ts=20261102101010)], day=next_day)
    report = ingest_day(next_day, cfg)
    assert report.detail["late_files"] == {
        str(DAY): [f"clevertap/export/{export_file_name(1, 1762000000, 'App Launched', DAY, 5, 7)}"]}
    assert any("after that day was loaded" in w for w in report.detail["warnings"])
    assert _count(cfg, "object_id = '__late_file' AND export_date = DATE '2026-11-01'") == 1
    with writer(cfg) as con:
        tracked = con.execute("SELECT export_date, size > 0, length(checksum) FROM raw.clevertap_files"
                              " ORDER BY source_file").fetchall()
        logs = con.execute("SELECT batch_date, loaded FROM raw.load_log ORDER BY 1").fetchall()
    assert tracked == [(DAY, True, 32), (DAY, True, 32), (next_day, True, 32)]
    assert logs == [(DAY, 2), (next_day, 1)]
    # nothing new: the next run reloads nothing
    assert "late_files" not in ingest_day(next_day, cfg).detail


def test_unexpected_names_and_broken_cursor_chains_are_reported(sehat_home):
    cfg = sehat_home
    _export(cfg, [_line("__ok")], index=0)
    _export(cfg, [_line("__upper")], name="1-1762000000-App_Launched-20261101-1-7.JSON.GZ")
    _export(cfg, [_line("__dash", event="Sign-Up")], event="Sign-Up")  # a '-' in the event part: loads
    folder = api_page_dir(cfg.clevertap_api_dir, DAY, "Notification Sent")
    folder.mkdir(parents=True)
    record = {"profile": {"objectId": "__n"}, "ts": 20261101100000, "event_props": {}}
    (folder / "page-0001.json").write_text(json.dumps({"status": "success", "records": [record],
                                                       "next_cursor": "abc"}))  # page 2 never arrived
    (folder / "notes.txt").write_text("?")

    report = ingest_day(DAY, cfg)

    warnings = "\n".join(report.detail["warnings"])
    assert "App_Launched-20261101-1-7.JSON.GZ" in warnings
    assert "Notification_Sent/notes.txt" in warnings
    assert "broken API page chain" in warnings and "next_cursor but no page follows" in warnings
    assert _count(cfg, "event_name = 'Sign-Up'") == 1
    assert report.loaded == 3


def test_warnings_become_alert_lines(tmp_path, monkeypatch):
    """The ingest task hands the load's warnings to the alerts file (plugins/sehat_airflow/callbacks.py)."""
    import importlib.util
    from types import SimpleNamespace

    from sehat.config import REPO_ROOT

    spec = importlib.util.spec_from_file_location("callbacks", REPO_ROOT / "plugins/sehat_airflow/callbacks.py")
    callbacks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(callbacks)
    monkeypatch.setenv("SEHAT_HOME", str(tmp_path))
    ti = SimpleNamespace(dag_id="sehat_ingest", task_id="ingest_clevertap", run_id="r1", try_number=1, max_tries=2)
    callbacks.record_warnings({"ti": ti}, ["broken API page chain api/20261101/X", "unrecognised file x.JSON.GZ"])
    lines = [json.loads(line) for line in (tmp_path / "alerts" / "alerts.jsonl").read_text().splitlines()]
    assert [(a["level"], a["task"], a["warning"]) for a in lines] == [
        ("warning", "ingest_clevertap", "broken API page chain api/20261101/X"),
        ("warning", "ingest_clevertap", "unrecognised file x.JSON.GZ")]


@pytest.mark.e2e
def test_the_marts_tests_catch_implausible_dates(tmp_path, monkeypatch):
    """Should a 9999-12-31 or 1970-01-01 event get past the loader, dbt's tests on the customer view
    fail (no future last_seen_at, no negative recency, no cohort before the platform start)."""
    import duckdb

    from sehat.transform.dbt import DbtBuildError, dbt_build
    from tests.dbt.conftest import create_raw_warehouse

    warehouse = create_raw_warehouse(tmp_path / "w" / "sehat.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""
            insert into raw.clevertap_events (export_date, source_format, source_file, line_no, event_key, event_name,
                                              event_ts, object_id, loaded_at)
            values ('2025-11-01', 'export', 'bad.json.gz', 1, 'bad-future', 'App Launched', '9999-12-31 23:59:59',
                    'dev-future', '2025-11-02 01:00:00'),
                   ('2025-11-01', 'export', 'bad.json.gz', 2, 'bad-epoch', 'App Launched', '1970-01-01 00:00:00',
                    'dev-epoch', '2025-11-02 01:00:00')""")
    monkeypatch.setenv("SEHAT_HOME", str(tmp_path))
    monkeypatch.setenv("SEHAT_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    with pytest.raises(DbtBuildError, match="assert_customer_dates_are_plausible") as failed:
        dbt_build(select="+dim_customers", target_path=tmp_path / "target", on_line=lambda _line: None)
    failing = [n.name for n in failed.value.result.failed_nodes]
    assert failing == ["assert_customer_dates_are_plausible"], failing


def test_a_warehouse_loaded_before_this_release_upgrades_in_place(sehat_home):
    """Older raw tables get the new columns; the files of days loaded before tracking count as seen."""
    cfg = sehat_home
    _export(cfg, [_line("__d1")])
    ingest_day(DAY, cfg)
    with writer(cfg) as con:  # as an older release left it
        con.execute("ALTER TABLE raw.clevertap_events DROP COLUMN event_ts_local")
        con.execute("ALTER TABLE raw.clevertap_quarantine DROP COLUMN event_name")
        con.execute("DROP TABLE raw.clevertap_files")
    next_day = date(2026, 11, 2)
    _export(cfg, [_line("__d2", ts=20261102101010), "{bad"], day=next_day)
    report = ingest_day(next_day, cfg)
    assert (report.loaded, report.quarantined) == (1, 1) and "late_files" not in report.detail
    with writer(cfg) as con:
        tracked = con.execute(
            "SELECT export_date, count(*) FROM raw.clevertap_files GROUP BY ALL ORDER BY 1").fetchall()
        local = con.execute("SELECT object_id, event_ts_local FROM raw.clevertap_events ORDER BY 1").fetchall()
    assert tracked == [(DAY, 1), (next_day, 1)]
    assert local[0][1] is None and local[1][1] is not None  # the older day's rows as they were
