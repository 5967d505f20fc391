"""CleverTap ingestion on hand-made files covering every kind of bad input."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from sehat.ingest.clevertap import ingest_day
from sehat.sources.clevertap import api_page_dir, export_file_name
from sehat.warehouse import writer

DAY = date(2026, 11, 1)


def _record(ts=20261101093012, event="App Launched", object_id="__abc", identity=None, **extra):
    rec = {
        "ts": ts,
        "eventName": event,
        "profile": {"objectId": object_id, "identity": identity, "all_identities": [identity] if identity else [],
                    "platform": "Android", "phone": "+62811", "email": None, "name": None, "push_token": None},
        "deviceInfo": {"make": "Samsung", "model": "A51", "appVersion": "5.1", "sdkVersion": "60102",
                       "osVersion": "13", "browser": None, "dpi": 420, "dimensions": {"height": 2400, "width": 1080}},
        "eventProps": {},
        "controlGroupName": None,
    }
    rec.update(extra)
    return json.dumps(rec)


def _write_export(cfg, event, lines, index=0, day=DAY, raw=None):
    cfg.clevertap_export_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.clevertap_export_dir / export_file_name(1, 1762000000, event, day, index, 7)
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def _write_api(cfg, event, pages):
    d = api_page_dir(cfg.clevertap_api_dir, DAY, event)
    d.mkdir(parents=True, exist_ok=True)
    for i, records in enumerate(pages, start=1):
        cursor = None if i == len(pages) else f"cursor-{i}"
        (d / f"page-{i:04d}.json").write_text(
            json.dumps({"status": "success", "records": records, "next_cursor": cursor}))


def _reasons(cfg):
    with writer(cfg) as con:
        return dict(con.execute("SELECT reason, count(*) FROM raw.clevertap_quarantine GROUP BY ALL").fetchall())


def test_every_bad_line_is_quarantined_with_its_reason(sehat_home):
    cfg = sehat_home
    good = _record(identity="U0000001", eventProps={"query": "paracetamol"}, event="Search")
    lines = [
        good,
        good,  # exact duplicate
        _record(ts=20261345990000),  # month 13
        _record(ts="yesterday"),
        '{"eventName": "App Launched", "profile": {"objectId": "__x"}}',  # no ts
        '{"ts": 20261101093012, "eventName": "App Laun',  # truncated JSON
        _record(event="Teleported", object_id="__custom"),  # not in the catalogue: a custom event, loaded
        _record(object_id=None, event="Notification Sent"),  # no objectId, as CleverTap's own samples: loaded
        _record(eventProps=[1, 2]),
        '[1, 2, 3]',
        _record(event_props={"query": "x"}, eventProps=None, event="Search", object_id="__alt"),  # other spelling
        _record(newField={"nested": True}, object_id="__drift"),  # schema drift is kept, not rejected
    ]
    _write_export(cfg, "Search", lines)
    _write_export(cfg, "App Launched", [], index=1, raw=b"")  # empty file
    truncated = gzip.compress(("\n".join([_record(object_id="__t1"), _record(object_id="__t2")]) + "\n").encode())
    _write_export(cfg, "App Launched", [], index=2, raw=truncated[: len(truncated) - 12])
    _write_api(cfg, "Notification Sent", [
        [{"profile": {"objectId": "__n1", "identity": "U0000002", "platform": "iOS", "make": "Apple",
                      "os_version": "17", "app_version": "5.1"},
          "ts": 20261101100000, "event_props": {"campaign_id": 1}, "session_props": {}}],
        [{"profile": {"objectId": "__n2"}, "ts": 20261101100500, "event_props": {"campaign_id": 1}}],
    ])

    report = ingest_day(DAY, cfg)

    reasons = _reasons(cfg)
    assert reasons == {
        "duplicate": 1,
        "malformed_ts": 1,
        "ts_not_an_integer": 1,
        "missing_ts": 1,
        "invalid_json": 1,
        "event_props_not_an_object": 1,
        "not_a_json_object": 1,
        "truncated_gzip": 1,
    }
    assert report.quarantined == sum(reasons.values())
    assert report.detail["custom_events"] == {"Teleported": 1}
    assert report.read == report.loaded + report.quarantined
    with writer(cfg) as con:
        rows = con.execute(
            "SELECT event_name, object_id, identity, event_props->>'query', source_format, device_make"
            " FROM raw.clevertap_events ORDER BY source_format, object_id"
        ).fetchall()
        trunc = con.execute(
            "SELECT source_file, line_no FROM raw.clevertap_quarantine WHERE reason = 'truncated_gzip'"
        ).fetchone()
    assert ("Search", "__abc", "U0000001", "paracetamol", "export", "Samsung") in rows
    assert ("Search", "__alt", None, "x", "export", "Samsung") in rows
    assert ("Notification Sent", None, None, None, "export", "Samsung") in rows
    assert ("Notification Sent", "__n1", "U0000002", None, "api", "Apple") in rows
    assert ("Notification Sent", "__n2", None, None, "api", None) in rows
    assert any(r[1] == "__drift" for r in rows)
    # the complete line before the cut is kept; the cut is reported at the line after it
    assert any(r[1] == "__t1" for r in rows)
    assert trunc[1] in (2, 3)


def test_rerunning_a_day_replaces_its_partition(sehat_home):
    cfg = sehat_home
    _write_export(cfg, "App Launched", [_record(object_id=f"__{i}") for i in range(5)])
    first = ingest_day(DAY, cfg)
    second = ingest_day(DAY, cfg)
    assert first.loaded == second.loaded == 5
    with writer(cfg) as con:
        assert con.execute("SELECT count(*) FROM raw.clevertap_events").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM raw.load_log").fetchone()[0] == 1


def test_a_day_without_files_loads_nothing(sehat_home):
    report = ingest_day(DAY, sehat_home)
    assert (report.read, report.loaded, report.quarantined) == (0, 0, 0)


@pytest.mark.parametrize("ts", [20261101000000, 20261101235959])
def test_ts_is_parsed_to_a_timestamp(sehat_home, ts):
    _write_export(sehat_home, "App Launched", [_record(ts=ts)])
    ingest_day(DAY, sehat_home)
    with writer(sehat_home) as con:
        got = con.execute("SELECT strftime(event_ts, '%Y%m%d%H%M%S') FROM raw.clevertap_events").fetchone()[0]
    assert got == str(ts)


def test_batches_give_the_same_partition_as_one_load(sehat_home, monkeypatch):
    """A day streams through in batches (each file its own batch here): a record repeated in a later
    file, or in a later batch of API pages, is a duplicate of the first, exactly as in one batch."""
    import sehat.ingest.clevertap as ct

    cfg = sehat_home
    first = [_record(object_id=f"__{i}") for i in range(4)]
    _write_export(cfg, "App Launched", first, index=0)
    _write_export(cfg, "App Launched", [first[2], _record(object_id="__new"), first[2], first[0]], index=1)
    _write_export(cfg, "App Launched", [_record(object_id="__bad", event="Teleported"), first[3]], index=2)
    page = [{"profile": {"objectId": "__n1"}, "ts": 20261101100000, "event_props": {}}]
    _write_api(cfg, "Notification Sent", [page, page])

    def snapshot():
        with writer(cfg) as con:
            return (
                con.execute("SELECT source_file, line_no, event_key FROM raw.clevertap_events ORDER BY ALL").fetchall(),
                con.execute(
                    "SELECT source_file, line_no, reason FROM raw.clevertap_quarantine ORDER BY ALL").fetchall())

    one = ingest_day(DAY, cfg)
    one_batch = snapshot()
    monkeypatch.setattr(ct, "BATCH_BYTES", 1)  # every file and page is a batch of its own
    many = ingest_day(DAY, cfg)
    assert snapshot() == one_batch
    assert (one.loaded, one.quarantined, one.detail) == (many.loaded, many.quarantined, many.detail)
    assert many.detail["quarantine_reasons"] == {"duplicate": 5}
    assert many.detail["custom_events"] == {"Teleported": 1}
    assert many.loaded == 7  # __0..__3, __new, __bad (a custom event), __n1
