"""Bad inputs mixed into a real generated day: each quarantined with its reason, the run
continues, and counts reconcile exactly (read == loaded + quarantined, per reason).

tests/ingest/test_clevertap.py covers each reason on hand-made lines; here the same
kinds of damage (and a few more: garbage gzip, broken API pages, wrong types
inside the profile, BOM/CRLF lines, a re-delivered file) land next to the
generator's own files, and the expected counts come from what we injected plus
what the generator says it planted.
"""

from __future__ import annotations

import gzip
import json
import shutil

from sehat.ingest.clevertap import ingest_day
from sehat.ingest.production import extract_day
from sehat.sources.clevertap import api_page_dir, export_file_name
from sehat.warehouse import writer
from tests.failure import small_world as w


def _line(object_id: str, ts=20261101101010, event="App Launched", **extra) -> str:
    rec = {"ts": ts, "eventName": event, "profile": {"objectId": object_id, "identity": None},
           "deviceInfo": {"make": "X"}, "eventProps": {}}
    rec.update(extra)
    return json.dumps(rec)


def test_bad_inputs_next_to_a_generated_day_reconcile_exactly(world, tmp_path):
    day = w.ALL_DAYS[0]
    home = world.new_home("bad_inputs")
    # a private copy of the sources: we add files to it
    data = tmp_path / "data"
    shutil.copytree(world.sources(), data, symlinks=True)
    from sehat.config import Settings

    cfg = Settings(home, data, home / "warehouse" / "sehat.duckdb", home / "warehouse" / "read.duckdb",
                   home / "published", f"sqlite:///{data / 'production' / 'production.sqlite'}")

    # what the generator planted in this day's files (lines per reason are not in its summary
    # per day, so take the clean baseline by ingesting before we damage anything)
    baseline = ingest_day(day, cfg)
    base_reasons = baseline.detail["quarantine_reasons"]

    export_dir = cfg.clevertap_export_dir
    injected = {
        "invalid_json": 2, "missing_ts": 1, "malformed_ts": 1, "ts_not_an_integer": 2,
        "duplicate": 3, "profile_not_an_object": 1, "truncated_gzip": 1, "not_a_json_object": 1,
    }
    good = [_line(f"__good{i}") for i in range(5)]
    bad = [
        "{not json",
        '{"ts": 20261101101010, "eventName": "App Laun',  # cut mid-record
        json.dumps({"eventName": "App Launched", "profile": {"objectId": "__nots"}}),
        _line("__m13", ts=20261399000000),
        _line("__str", ts="20261101101010"),  # ts as a string: wrong type
        _line("__flt", ts=20261101101010.5),  # ts as a float: wrong type
        _line("__unk", event="Teleported"),  # a custom event (not in the catalogue): loaded
        _line("__dup"), _line("__dup"),  # one duplicate inside the file
        json.dumps({"ts": 20261101101010, "eventName": "App Launched", "profile": "not-an-object"}),
        json.dumps({"ts": 20261101101010, "eventName": "App Launched", "profile": {"objectId": None}}),  # loaded
        "42",
        _line("__new", newTopLevelField={"a": 1}, deviceInfo={"make": "X", "brandNewField": True}),  # drift: kept
    ]
    path = export_dir / export_file_name(9, 1762000000, "App Launched", day, 90, 7)
    path.write_bytes(gzip.compress(("\n".join(good + bad) + "\n").encode()))
    # the same file delivered twice under another chunk index: 5 good + __dup + __new duplicated...
    redelivered = export_dir / export_file_name(9, 1762000001, "App Launched", day, 91, 7)
    redelivered.write_bytes(gzip.compress((good[0] + "\n" + good[1] + "\n").encode()))
    # an empty file and a truncated one
    (export_dir / export_file_name(9, 1762000000, "App Launched", day, 92, 7)).write_bytes(b"")
    cut = gzip.compress(("\n".join(_line(f"__cut{i}") for i in range(50)) + "\n").encode())
    (export_dir / export_file_name(9, 1762000000, "App Launched", day, 93, 7)).write_bytes(cut[: len(cut) // 2])
    # API: a page that is not JSON, and a page with status error
    api = api_page_dir(cfg.clevertap_api_dir, day, "Notification Sent")
    api.mkdir(parents=True, exist_ok=True)
    (api / "page-9001.json").write_text('{"status": "success", "records": [')
    (api / "page-9002.json").write_text(json.dumps({"status": "fail", "error": "rate limited"}))

    report = ingest_day(day, cfg)
    reasons = report.detail["quarantine_reasons"]

    # duplicates: __dup once + good[0], good[1] re-delivered = 3
    assert reasons.get("duplicate", 0) - base_reasons.get("duplicate", 0) == injected["duplicate"]
    for reason in ("missing_ts", "malformed_ts", "truncated_gzip", "not_a_json_object", "profile_not_an_object"):
        assert reasons.get(reason, 0) - base_reasons.get(reason, 0) == injected[reason], reason
    assert reasons.get("ts_not_an_integer", 0) - base_reasons.get("ts_not_an_integer", 0) == 2
    assert reasons.get("invalid_json", 0) - base_reasons.get("invalid_json", 0) == 2
    api_reasons = {r: n for r, n in reasons.items() if r.startswith(("invalid_page", "invalid_page_json"))}
    assert sum(api_reasons.values()) == 2, reasons

    truncated_kept = 0
    with writer(cfg) as con:
        truncated_kept = con.execute(
            "SELECT count(*) FROM raw.clevertap_events WHERE object_id LIKE '__cut%'").fetchone()[0]
        drift = con.execute(
            "SELECT record->>'newTopLevelField' FROM raw.clevertap_events WHERE object_id = '__new'").fetchone()
        q_total, q_lines = con.execute(
            "SELECT count(*), count(DISTINCT (source_file, line_no)) FROM raw.clevertap_quarantine").fetchone()
        log = con.execute("SELECT read, loaded, quarantined FROM raw.load_log WHERE source = 'clevertap'").fetchone()
    # exact reconciliation: every line in exactly one place
    assert report.read == report.loaded + report.quarantined == log[0]
    assert (report.loaded, report.quarantined) == (log[1], log[2]) and report.quarantined == q_total
    # good, __dup once, __new, __unk, the record without an objectId, cut
    assert report.loaded == baseline.loaded + 5 + 1 + 1 + 1 + 1 + truncated_kept
    assert report.detail["custom_events"]["Teleported"] == 1
    assert any("broken API page chain" in w for w in report.detail["warnings"])  # pages 9001, 9002 follow no chain
    assert 0 <= truncated_kept < 50  # the lines complete before the cut are kept
    assert drift is not None, "a record with new fields must be kept (schema drift is not an error)"
    assert q_lines == q_total

    # the run continues: the production extraction of the same day still loads
    assert sum(r.loaded for r in extract_day(day, cfg)) > 0
