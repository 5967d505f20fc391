"""Property-based tests (hypothesis) for CleverTap record parsing.

For any batch of records, valid or damaged in known ways: every line lands in
exactly one place (events or quarantine), a valid record is loaded with its
``ts`` parsed exactly and its identifiers intact, and a damaged one is
quarantined with the reason its damage implies.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sehat.config import Settings
from sehat.ingest.clevertap import ingest_day
from sehat.sources.clevertap import EVENTS, export_file_name
from sehat.warehouse import writer

DAY = date(2026, 11, 1)

# the plausible window of the export day DAY (default settings): platform start .. DAY + 1 + 2 days
timestamps = st.datetimes(min_value=datetime(2013, 1, 1), max_value=datetime(2026, 11, 3, 23, 59, 59))
implausible = st.one_of(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2012, 12, 31, 23, 59, 59)),
                        st.datetimes(min_value=datetime(2026, 11, 4), max_value=datetime(9999, 12, 31, 23, 59, 59)))
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
props = st.dictionaries(st.text(min_size=1, max_size=8), st.one_of(st.none(), st.integers(), text, st.booleans()),
                        max_size=4)


@st.composite
def records(draw):
    """(json line, expected reason or None, ts) for one record."""
    ts = draw(timestamps)
    rec = {
        "ts": int(ts.strftime("%Y%m%d%H%M%S")),
        "eventName": draw(st.sampled_from(sorted(EVENTS))),
        "profile": {"objectId": "__" + draw(st.text("abcdef0123456789", min_size=1, max_size=10)),
                    "identity": draw(st.one_of(st.none(), text)), "phone": draw(st.one_of(st.none(), text))},
        "deviceInfo": {"make": draw(st.one_of(st.none(), text))},
        "eventProps": draw(props),
    }
    damage = draw(st.sampled_from([None, None, None, "missing_ts", "ts_not_an_integer", "malformed_ts",
                                   "custom_event", "ts_out_of_range", "no_object_id", "invalid_json",
                                   "event_props_not_an_object", "extra_field"]))
    reason = damage
    if damage == "missing_ts":
        del rec["ts"]
    elif damage == "ts_not_an_integer":
        rec["ts"] = draw(st.one_of(text, st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f)),
                                   st.lists(st.integers(), max_size=2)))
    elif damage == "malformed_ts":
        rec["ts"] = int(ts.strftime("%Y%m%d%H%M%S")[:8] + "256161")  # hour 25
    elif damage == "custom_event":
        rec["eventName"] = "Not In The Catalogue " + draw(text)
        reason = None  # a real account's custom event: loaded
    elif damage == "ts_out_of_range":
        rec["ts"] = int(draw(implausible).strftime("%Y%m%d%H%M%S"))
    elif damage == "no_object_id":
        del rec["profile"]["objectId"]
        reason = None  # CleverTap's own samples have records without one: loaded
    elif damage == "event_props_not_an_object":
        rec["eventProps"] = draw(st.lists(st.integers(), max_size=3))
    elif damage == "extra_field":
        rec[draw(st.sampled_from(["newField", "experiment", "geo"]))] = draw(props)
        reason = None  # schema drift is kept
    line = json.dumps(rec)
    if damage == "invalid_json":
        line = line[: draw(st.integers(1, max(1, len(line) - 1)))]
    return line, reason, ts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=30))
def test_every_record_lands_once_with_the_reason_its_damage_implies(batch):
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        cfg = Settings(home, home / "data", home / "w.duckdb", home / "r.duckdb", home / "pub", "sqlite:///none")
        cfg.clevertap_export_dir.mkdir(parents=True)
        path = cfg.clevertap_export_dir / export_file_name(1, 1762000000, "App Launched", DAY, 0, 7)
        path.write_bytes(gzip.compress(("\n".join(line for line, _, _ in batch) + "\n").encode()))

        report = ingest_day(DAY, cfg)

        with writer(cfg) as con:
            loaded = {r[0]: r[1:] for r in con.execute(
                "SELECT line_no, strftime(event_ts, '%Y%m%d%H%M%S'), object_id FROM raw.clevertap_events").fetchall()}
            quarantined = dict(con.execute("SELECT line_no, reason FROM raw.clevertap_quarantine").fetchall())
    assert report.read == len(batch) == len(loaded) + len(quarantined)
    assert not set(loaded) & set(quarantined)
    seen: set[tuple] = set()
    for line_no, (line, reason, ts) in enumerate(batch, start=1):
        # the same event: same name, objectId, ts and properties (the rest of the line does not count)
        rec = json.loads(line) if reason is None else {}
        # (without an objectId: the profile's identifiers, an absent one counting as empty)
        profile = rec.get("profile", {})
        who = ((profile["objectId"],) if "objectId" in profile
               else (profile.get("identity") or "", profile.get("phone") or ""))
        key = (rec.get("eventName"), who, rec.get("ts"), json.dumps(rec.get("eventProps")))
        if reason is None and key in seen:
            reason = "duplicate"
        if reason is None:
            seen.add(key)
            assert line_no in loaded, (line, quarantined.get(line_no))
            assert loaded[line_no][0] == ts.strftime("%Y%m%d%H%M%S")
            assert loaded[line_no][1] == json.loads(line)["profile"].get("objectId")
        elif reason == "invalid_json":
            # a cut JSON line can still parse (e.g. cut right after a complete value): never loaded unseen
            assert line_no in quarantined
        else:
            assert quarantined.get(line_no) == reason, (line, quarantined.get(line_no))
