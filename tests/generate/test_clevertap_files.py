"""CleverTap output: file names, per-kind line counts, duplicates, late arrivals, API page chains."""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import datetime

from sehat.generate.clevertap import CUSTOM_EVENTS, MALFORMED_KINDS
from sehat.sources.clevertap import API_EVENTS, EVENTS, EXPORT_EVENTS, EXPORT_NAME, event_slug


def classify(line: str) -> str:
    """Independent reading of one export line: 'ok' or the malformed kind."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return "truncated_json"
    if "ts" not in record:
        return "missing_ts"
    ts = record["ts"]
    if not isinstance(ts, int) or isinstance(ts, bool):
        return "ts_wrong_type"
    try:
        datetime.strptime(str(ts), "%Y%m%d%H%M%S")
    except ValueError:
        return "invalid_ts"
    if len(str(ts)) != 14:
        return "invalid_ts"
    if not isinstance(record.get("profile"), dict):
        return "profile_not_an_object"
    if "eventName" not in record:
        return "missing_event_name"
    return "ok"


def test_file_names_follow_the_export_contract(generated):
    files = list(generated.export_dir.iterdir())
    assert files
    slugs = {event_slug(e) for e in (*EXPORT_EVENTS, *CUSTOM_EVENTS)}
    days = {f"{generated.cfg.day(k):%Y%m%d}" for k in range(generated.cfg.days + 1)}
    for path in files:
        match = EXPORT_NAME.match(path.name)
        assert match, path.name
        assert match["event"] in slugs and match["day"] in days
    assert len(files) == generated.summary["export"]["files"]
    # small chunks: at least one (event, day) spans several files
    indexes = Counter((EXPORT_NAME.match(p.name)["event"], EXPORT_NAME.match(p.name)["day"]) for p in files)
    assert max(indexes.values()) > 1


def test_every_line_kind_is_counted_in_the_summary(generated):
    export = generated.summary["export"]
    kinds: Counter[str] = Counter()
    lines_total = 0
    for lines in generated.export_lines().values():
        lines_total += len(lines)
        kinds.update(classify(line) for line in lines)
    assert lines_total == export["lines"]
    assert kinds["ok"] == export["well_formed"]
    for kind in MALFORMED_KINDS:
        assert kinds[kind] == export["malformed"][kind], kind
        assert kinds[kind] > 0, f"no {kind} planted"
    assert export["lines"] == export["well_formed"] + export["malformed_total"]
    assert sum(export["by_event"].values()) == export["lines"]


def test_duplicates_late_arrivals_and_spellings(generated):
    export = generated.summary["export"]
    duplicates = late = alt = 0
    for name, lines in generated.export_lines().items():
        day = EXPORT_NAME.match(name)["day"]
        for line in lines:
            if classify(line) != "ok":
                continue
            record = json.loads(line)
            late += str(record["ts"])[:8] < day
            alt += "event_props" in record
            assert ("event_props" in record) != ("eventProps" in record)
            assert not ("sessionProps" in record and "session_props" in record)
    seen: dict[str, set[str]] = {}
    for name, lines in generated.export_lines().items():
        stream = seen.setdefault(name.rsplit("-", 2)[0], set())  # (export id, stamp, event, day)
        for line in lines:
            if line in stream:
                duplicates += 1
            stream.add(line)
    assert duplicates == export["duplicates"] > 0
    assert late == export["late"] > 0
    assert alt == export["alt_spelling"] > 0
    assert 0.015 < late / export["events"] < 0.05
    # the day after the period holds only the last day's late events
    last = f"{generated.cfg.day(generated.cfg.days):%Y%m%d}"
    for name, lines in generated.export_lines().items():
        if EXPORT_NAME.match(name)["day"] == last:
            assert all(str(json.loads(line)["ts"])[:8] < last for line in lines if classify(line) == "ok")


def test_api_pages_chain_through_next_cursor(generated):
    total = 0
    chains = 0
    for day_dir in sorted(generated.api_dir.iterdir()):
        for event_dir in sorted(day_dir.iterdir()):
            assert event_dir.name in {event_slug(e) for e in API_EVENTS}
            page, visited = "page-0001.json", []
            while page:
                body = json.loads((event_dir / page).read_text())
                assert body["status"] == "success"
                visited.append(page)
                for record in body["records"]:
                    assert set(record) == {"profile", "ts", "event_props", "session_props"}
                    assert record["profile"]["objectId"].startswith("__")
                    assert {"platform", "make", "model", "os_version", "app_version"} <= set(record["profile"])
                    assert str(record["ts"]).startswith(day_dir.name)
                    assert set(record["event_props"]) == {"campaign_id", "campaign_type", "content_id"}
                total += len(body["records"])
                cursor = body["next_cursor"]
                page = (None if cursor is None
                        else f"page-{json.loads(base64.urlsafe_b64decode(cursor))['page']:04d}.json")
            assert sorted(visited) == sorted(p.name for p in event_dir.iterdir())
            chains += len(visited) > 1
    assert total == generated.summary["api"]["records"]
    assert chains > 0


def test_notification_funnel_narrows(generated):
    by_event = generated.summary["api"]["by_event"]
    assert by_event["Notification Sent"] > by_event["Notification Viewed"] > by_event["Notification Clicked"] > 0


def test_records_have_the_contract_fields(generated):
    records = generated.records()
    device_keys = {"make", "model", "appVersion", "sdkVersion", "osVersion", "browser", "dpi", "dimensions"}
    with_session = 0
    for record in records:
        if "eventName" not in record:
            continue
        assert set(record["deviceInfo"]) == device_keys
        if record["eventName"] in CUSTOM_EVENTS:
            # a real account's custom event: not in the catalogue, properties of its own
            assert record["eventName"] not in EVENTS
            props = record.get("eventProps", record.get("event_props"))
            assert "utm_source" in props if record["eventName"] == "UTM Visited" else "screen_name" in props
            continue
        assert "controlGroupName" in record
        props = record.get("eventProps", record.get("event_props"))
        assert set(props) == set(EVENTS[record["eventName"]][1])
        with_session += "session_props" in record or "sessionProps" in record
    assert 0 < with_session < len(records)


def test_custom_events_are_written_in_files_of_their_own(generated):
    """Real accounts send events missing from the catalogue; the sample has a few."""
    by_event = generated.summary["export"]["by_event"]
    assert all(by_event.get(name, 0) > 0 for name in CUSTOM_EVENTS)
    for name, lines in generated.export_lines().items():
        names = {json.loads(line).get("eventName") for line in lines if classify(line) == "ok"}
        assert names <= {EXPORT_NAME.match(name)["event"].replace("_", " ")}, name


def test_ts_is_written_in_the_account_timezone(tmp_path):
    """The same moments, written by a +05:30 account: 5 h 30 later on the wall clock."""
    import numpy as np

    from sehat.generate.clevertap import yyyymmddhhmmss

    ts = np.array([1793492377, 1793558102])  # 2026-11-01 00:19:37 and 18:35:02 UTC
    assert yyyymmddhhmmss(ts).tolist() == [20261101001937, 20261101183502]
    assert yyyymmddhhmmss(ts, "Asia/Kolkata").tolist() == [20261101054937, 20261102000502]
