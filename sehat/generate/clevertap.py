"""Serialise simulated events as CleverTap delivers them, defects included.

Cloud export (every event whose format is ``export`` in ``sehat.sources.clevertap``):
gzipped JSON lines, one file set per (event, export day), at most
``chunk_lines`` lines per file, named by ``export_file_name``. API events
(notifications) become Get Events API pages chained by ``next_cursor``.

Lines are built by DuckDB (``to_json`` plus string concatenation) from integer
event arrays and per-device JSON fragments computed once, so the Python side
only slices one Arrow buffer per file and gzips it (zlib releases the GIL, so
files compress on a small thread pool).

Defects planted in the export, all counted in the summary and in
``truth/export_files.parquet`` (per file):

* late arrivals: ``late_share`` of a day's events are written into the next
  day's files (their ``ts`` stays on the original day); the last day's late
  events go to the files of the day after the period, which hold nothing else;
* duplicates: ``duplicate_share`` extra copies of well-formed lines, byte
  identical, at a random place in the same (event, day) stream (often another chunk);
* malformed lines (``malformed_share``), one defect each, kinds ``MALFORMED_KINDS``;
* ``alt_spelling_share`` of well-formed lines spell ``event_props`` / ``sessionProps``
  instead of ``eventProps`` / ``session_props`` (valid, must load).

As a real account does, it also writes **custom events** missing from the catalogue
(``CUSTOM_EVENTS``: ``UTM Visited`` after each well-formed ``App Launched`` of a
session that came from a campaign link, ``Screen Viewed`` after each ``Content
Clicked``), in files of their own, and writes ``ts`` in the account's time zone
(``GenerateConfig.timezone``; the simulation and the truth stay in UTC).
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa

from sehat.generate.activity import EV, EVENT_NAMES, SESSION_SOURCES, EventBatch
from sehat.generate.config import GenerateConfig, day_epoch, rng
from sehat.generate.world import (
    APP_VERSIONS,
    CONTROL_GROUP,
    DAY,
    DEVICE_MODELS,
    EXPERIMENTS,
    SEARCH_QUERIES,
    World,
)
from sehat.sources.clevertap import api_page_dir, export_file_name, export_glob

MALFORMED_KINDS: tuple[str, ...] = (
    "truncated_json",  # the line is cut short: not parseable JSON
    "missing_ts",  # no "ts" key
    "invalid_ts",  # integer that is not a yyyyMMddHHmmss moment (20261345990000) or epoch seconds
    "ts_wrong_type",  # "yesterday", "N/A", true, [..]
    "profile_not_an_object",  # "profile" written as a string (a profile without "objectId" is no fault:
    # CleverTap's own samples of installs, uninstalls and campaign sends have none)
    "missing_event_name",  # no "eventName" key (an event whose name is not in the catalogue is not
    # malformed: a real account's custom events load like the others)
)
# custom events (not in the catalogue), each derived from one catalogued event's well-formed lines:
# name -> (source event, properties: "utm" = the session's campaign fields, else fixed JSON)
CUSTOM_EVENTS: dict[str, tuple[str, str]] = {
    "UTM Visited": ("App Launched", "utm"),
    "Screen Viewed": ("Content Clicked", '{"screen_name":"Health Article","CT Source":"Mobile"}'),
}
WRONG_TYPE_TS = ('"yesterday"', '"N/A"', "true", "[20261101093012]")
EXPORT_ID = 1461
DB_ID = 7
_SESSION_EVENTS = (EV["App Launched"], EV["Charged"])  # carry session props even in organic sessions
_PROPS_BY_B = (EV["Added To Cart"], EV["Experiment Viewed"])  # event props depend on b as well as a
_B_STRIDE = 4  # b < 4 for those (cart quantity 1..3, variant 0..2)
_NAME_RANK = np.argsort(np.argsort(np.array(EVENT_NAMES)))  # event index -> rank of its name (file order)


@dataclass
class ExportDay:
    """What one export day's files hold, before serialisation."""

    day: date
    events: EventBatch
    late: np.ndarray  # bool: written a day after its ts


def local_seconds(ts: np.ndarray, timezone: str) -> np.ndarray:
    """Epoch seconds -> the same moment as seconds of the wall clock in ``timezone``."""
    if timezone == "UTC" or not len(ts):
        return ts
    zone = ZoneInfo(timezone)
    hours, index = np.unique(ts // 3600, return_inverse=True)  # offsets change on the hour at most
    offsets = np.array([int(datetime.fromtimestamp(int(h) * 3600, zone).utcoffset().total_seconds()) for h in hours])
    return ts + offsets[index]


def yyyymmddhhmmss(ts: np.ndarray, timezone: str = "UTC") -> np.ndarray:
    """Epoch seconds -> CleverTap's integer timestamp, on the wall clock of the account's ``timezone``."""
    ts = local_seconds(ts, timezone)
    days = ts // DAY
    dates = days.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    sec = ts - days * DAY
    return ((year * 100 + month) * 100 + dom) * 1_000_000 + (sec // 3600) * 10_000 + (sec // 60 % 60) * 100 + sec % 60


class Renderer:
    """Turns event arrays into export lines and API records.

    JSON fragments that depend only on the device (profile variants, ``deviceInfo``)
    or on the event ids (``eventProps``) are rendered once; per event they are
    picked with Arrow ``take``, and DuckDB only concatenates, in the order given.
    """

    def __init__(self, cfg: GenerateConfig, world: World, production: dict[str, pa.Table]) -> None:
        self.cfg, self.world = cfg, world
        self.con = duckdb.connect()
        self.con.execute("SET threads TO 2")
        self.con.execute("SET preserve_insertion_order = true")
        self._device_fragments()
        self._props(production)
        self.session_props = pa.array([json.dumps(s, separators=(",", ":")) for s in SESSION_SOURCES] + [None])
        self.names_json = pa.array([json.dumps(n) for n in EVENT_NAMES])

    def close(self) -> None:
        self.con.close()

    # -------------------------------------------------------------- fragments rendered once
    def _device_fragments(self) -> None:
        c, d = self.world.customers, self.world.devices
        user = np.maximum(d.user, 0)
        has_user = d.user >= 0
        model = [DEVICE_MODELS[m] for m in d.model]
        dev = pa.table({
            "device": np.arange(len(d), dtype=np.int64),
            "object_id": d.object_id.astype(str),
            "identity": np.where(has_user, c.identity[user], None),
            "name": np.where(has_user, c.name[user], None),
            "email": np.where(has_user, c.email[user], None),
            "phone": np.where(has_user, c.phone[user], None),
            "new_phone": np.where(has_user & (c.phone_changed_at[user] < self.cfg.end_epoch), c.new_phone[user], None),
            "control_group": has_user & c.control_group[user],
            "platform": [m[0] for m in model], "make": [m[1] for m in model], "model": [m[2] for m in model],
            "app_version": [APP_VERSIONS[v][0] for v in d.app_version],
            "sdk_version": [APP_VERSIONS[v][1] for v in d.app_version],
            "os_version": d.os_version.astype(str),
            "dpi": [m[4] for m in model], "height": [m[5][0] for m in model], "width": [m[5][1] for m in model],
            "push_token": np.where(d.push_token != "", d.push_token, None),
        })
        self.con.register("dev_src", dev)
        frag = self.con.execute("""
            SELECT
              to_json({make: make, model: model, appVersion: app_version, sdkVersion: sdk_version,
                       osVersion: os_version,
                       browser: CASE WHEN platform = 'Web' THEN (CASE WHEN model = 'Desktop' THEN 'Chrome'
                                ELSE 'Mobile Safari' END) END,
                       dpi: dpi, dimensions: {height: height, width: width}})::VARCHAR AS device_info,
              to_json({objectId: object_id, all_identities: []::VARCHAR[], platform: platform,
                       push_token: push_token})::VARCHAR AS anon,
              to_json({identity: identity, objectId: object_id, all_identities: [identity, email],
                       platform: platform, phone: phone, name: name, email: email,
                       push_token: push_token})::VARCHAR AS known,
              to_json({identity: identity, objectId: object_id, all_identities: [identity, email],
                       platform: platform, phone: new_phone, name: name, email: email,
                       push_token: push_token})::VARCHAR AS known_new,
              to_json({objectId: object_id, platform: platform, make: make, model: model,
                       os_version: os_version, app_version: app_version})::VARCHAR AS api_anon,
              to_json({objectId: object_id, identity: identity, platform: platform, make: make, model: model,
                       os_version: os_version, app_version: app_version, email: email,
                       phone: phone})::VARCHAR AS api_known,
              to_json({objectId: object_id, identity: identity, platform: platform, make: make, model: model,
                       os_version: os_version, app_version: app_version, email: email,
                       phone: new_phone})::VARCHAR AS api_known_new,
              CASE WHEN control_group THEN to_json(?::VARCHAR) ELSE 'null' END AS control_group
            FROM dev_src ORDER BY device""", [CONTROL_GROUP]).to_arrow_table()
        self.con.unregister("dev_src")
        self.n_devices = len(d)
        # profile variant v of device i sits at i + v * n_devices (0 anonymous, 1 known, 2 known with new phone)
        self.profiles = pa.concat_arrays([frag[k].combine_chunks() for k in ("anon", "known", "known_new")])
        self.api_profiles = pa.concat_arrays([frag[k].combine_chunks() for k in ("api_anon", "api_known",
                                                                                 "api_known_new")])
        self.device_info = frag["device_info"].combine_chunks()
        self.control_group = frag["control_group"].combine_chunks()

    def _props(self, production: dict[str, pa.Table]) -> None:
        """``eventProps`` per (event, a, b), laid out so that a row's position is computable."""
        cat, con = self.world.catalogue, self.con
        for name, table in production.items():
            con.register(f"p_{name}", table)
        n_products = len(cat.product_name)
        con.register("t_products", pa.table({
            "a": np.arange(n_products), "product_id": np.arange(1, n_products + 1), "name": cat.product_name,
            "category": cat.product_category, "price": cat.product_price}))
        con.register("t_content", pa.table({
            "a": np.arange(len(cat.content_id)), "content_id": cat.content_id, "content_type": cat.content_type,
            "placement": cat.content_placement}))
        con.register("t_campaigns", pa.table({
            "a": np.arange(len(cat.campaign_type)), "campaign_id": np.arange(1, len(cat.campaign_type) + 1),
            "campaign_type": cat.campaign_type, "content_id": [cat.content_id[i] for i in cat.campaign_content]}))
        con.register("t_variants", pa.table({
            "a": [i for i, e in enumerate(EXPERIMENTS) for _ in e.variants],
            "b": [j for e in EXPERIMENTS for j in range(len(e.variants))],
            "experiment_id": [e.experiment_id for e in EXPERIMENTS for _ in e.variants],
            "variant": [v for e in EXPERIMENTS for v in e.variants]}))
        props = con.execute(f"""
            SELECT {EV['App Launched']} AS event, 0::BIGINT AS a, 0::BIGINT AS b, '{{}}' AS props
            UNION ALL SELECT {EV['Product Viewed']}, a, 0, to_json({{product_id: product_id, product_name: name,
                     category: category, price: price}}) FROM t_products
            UNION ALL SELECT {EV['Added To Cart']}, a, q, to_json({{product_id: product_id, quantity: q, price: price}})
                     FROM t_products, range(1, {_B_STRIDE}) r(q)
            UNION ALL SELECT e.event, a, 0, to_json({{content_id: content_id, content_type: content_type,
                     placement: placement}})
                     FROM t_content, (VALUES ({EV['Content Viewed']}), ({EV['Content Clicked']})) e(event)
            UNION ALL SELECT {EV['Experiment Viewed']}, a, b, to_json({{experiment_id: experiment_id,
                     variant: variant}}) FROM t_variants
            UNION ALL SELECT e.event, a, 0, to_json({{campaign_id: campaign_id, campaign_type: campaign_type,
                     content_id: content_id}}) FROM t_campaigns,
                     (VALUES ({EV['Notification Sent']}), ({EV['Notification Viewed']}),
                             ({EV['Notification Clicked']})) e(event)
            UNION ALL SELECT {EV['Charged']}, o.order_id, 0, to_json({{order_id: o.order_id,
                     amount: o.total_amount, items: list({{product_id: i.product_id, quantity: i.quantity,
                     price: i.unit_price, category: p.category}} ORDER BY i.order_item_id)}})
                     FROM p_orders o JOIN p_order_items i USING (order_id)
                     JOIN t_products p ON p.product_id = i.product_id
                     GROUP BY o.order_id, o.total_amount
            UNION ALL SELECT {EV['Consultation Booked']}, consultation_id, 0, to_json({{
                     consultation_id: consultation_id, doctor_id: doctor_id, speciality: speciality, fee: fee}})
                     FROM p_consultations
            UNION ALL SELECT {EV['Lab Test Booked']}, booking_id, 0, to_json({{booking_id: booking_id,
                     lab_test_id: lab_test_id, price: t.price}})
                     FROM p_lab_bookings JOIN p_lab_tests t USING (lab_test_id)
            UNION ALL SELECT {EV['Appointment Booked']}, appointment_id, 0, to_json({{
                     appointment_id: appointment_id, speciality: speciality, hospital: hospital}})
                     FROM p_appointments
        """).to_arrow_table()
        event = props["event"].to_numpy()
        a = props["a"].to_numpy()
        b = props["b"].to_numpy()
        # slot of (event, a, b) = base[event] + a * stride[event] + b; Search props are built per row
        self.stride = np.zeros(len(EVENT_NAMES), np.int64)
        self.stride[np.unique(event)] = 1
        self.stride[list(_PROPS_BY_B)] = _B_STRIDE
        size = np.ones(len(EVENT_NAMES), np.int64)
        np.maximum.at(size, event, (a + 1) * self.stride[event])
        self.base = np.r_[0, np.cumsum(size)[:-1]]
        slots = np.full(int(size.sum()), -1, np.int64)
        slots[self.base[event] + a * self.stride[event] + b] = np.arange(len(event))
        self.props = props["props"].combine_chunks().take(pa.array(slots, mask=slots < 0))

    def _props_for(self, events: EventBatch) -> pa.Array:
        b = np.where(self.stride[events.event] == _B_STRIDE, events.b, 0)
        return self.props.take(pa.array(self.base[events.event] + events.a * self.stride[events.event] + b))

    # -------------------------------------------------------------- export lines
    def export_lines(self, prepared: Prepared) -> pa.Array:
        """Render prepared export rows to newline-terminated lines, in the same order."""
        ev = prepared.events
        known, phone_new = known_mask(self.world, ev)
        variant = np.where(known, np.where(phone_new, 2, 1), 0)
        has_session = (ev.source > 0) | np.isin(ev.event, _SESSION_EVENTS)
        rows = pa.table({
            "event": ev.event, "a": ev.a, "b": ev.b, "seq": np.arange(len(ev), dtype=np.int64),
            "ts_int": yyyymmddhhmmss(ev.ts, self.cfg.timezone), "fault": prepared.fault, "alt": prepared.alt_spelling,
            "cut": prepared.cut, "bad_ts": prepared.bad_ts,
            "name_json": self.names_json.take(pa.array(ev.event.astype(np.int64))),
            "profile": self.profiles.take(pa.array(ev.device + variant * self.n_devices)),
            "device_info": self.device_info.take(pa.array(ev.device)),
            "control_group": self.control_group.take(pa.array(ev.device)),
            "props": self._props_for(ev),
            "session_props": self.session_props.take(
                pa.array(np.where(has_session, ev.source, len(SESSION_SOURCES)).astype(np.int64))),
        })
        self.con.register("e", rows)
        result = self.con.execute(f"""
            WITH lines AS (
              SELECT seq, fault, cut, concat('{{',
                CASE fault WHEN 2 THEN ''
                     WHEN 3 THEN '"ts":' || bad_ts || ','
                     WHEN 4 THEN '"ts":' || list_extract($wrong, (seq % 4 + 1)::INTEGER) || ','
                     ELSE '"ts":' || ts_int || ',' END,
                CASE WHEN fault = 6 THEN '' ELSE '"eventName":' || name_json || ',' END,
                '"profile":',
                CASE WHEN fault = 5 THEN to_json(json_extract_string(profile, '$.objectId'))::VARCHAR ELSE profile END,
                ',"deviceInfo":', device_info,
                CASE WHEN alt THEN ',"event_props":' ELSE ',"eventProps":' END,
                CASE WHEN event = {EV['Search']}
                     THEN to_json({{query: list_extract($queries, (a + 1)::INTEGER), results: b}})::VARCHAR
                     ELSE props END,
                ',"controlGroupName":', control_group,
                CASE WHEN session_props IS NULL THEN ''
                     WHEN alt THEN ',"sessionProps":' || session_props
                     ELSE ',"session_props":' || session_props END,
                '}}') AS line
              FROM e
            )
            SELECT seq, CASE WHEN fault = 1 THEN left(line, greatest(10, (length(line) * cut)::BIGINT))
                             ELSE line END || chr(10) AS line
            FROM lines
        """, {"wrong": list(WRONG_TYPE_TS),
              "queries": [q for q, _ in SEARCH_QUERIES]}).to_arrow_table()
        self.con.unregister("e")
        _check_order(result)
        # large_string: a 1M-customer day renders more than the 2 GB that 32-bit offsets address
        return result["line"].cast(pa.large_string()).combine_chunks()

    # -------------------------------------------------------------- custom events
    def custom_lines(self, prepared: Prepared, text: pa.Array) -> list[tuple[str, np.ndarray, pa.Array]]:
        """Per custom event: (name, the rows of ``prepared`` it derives from, its lines), in file order.

        A custom line is its source line with the event name and properties replaced (same
        profile, device, ts and session): only well-formed, first copies are used.
        """
        ev, out = prepared.events, []
        clean = (prepared.fault == 0) & ~prepared.duplicate
        utm = [json.dumps({k: v for k, v in s.items() if k != "session_source"}, separators=(",", ":"))
               for s in SESSION_SOURCES]
        for name, (source_event, props) in sorted(CUSTOM_EVENTS.items()):
            rows = np.flatnonzero(clean & (ev.event == EV[source_event]) & (ev.source > 0 if props == "utm" else True))
            if not len(rows):
                continue
            new_props = (pa.array(utm).take(pa.array(ev.source[rows].astype(np.int64))) if props == "utm"
                         else pa.repeat(props, len(rows)))
            self.con.register("c", pa.table({"seq": np.arange(len(rows), dtype=np.int64),
                                             "line": text.take(pa.array(rows)), "props": new_props}))
            # the first "eventProps"/"event_props" object of the line (the source events' props hold no
            # nested object) becomes the custom event's properties
            lines = self.con.execute(r"""
                SELECT seq, regexp_replace(replace(line, $old, $new),
                                           '"(eventProps|event_props)":\{[^{}]*\}', '"\1":' || props) AS line
                FROM c
            """, {"old": '"eventName":' + json.dumps(source_event), "new": '"eventName":' + json.dumps(name)}
            ).to_arrow_table()
            self.con.unregister("c")
            _check_order(lines)
            out.append((name, rows, lines["line"].cast(pa.large_string()).combine_chunks()))
        return out

    # -------------------------------------------------------------- API records
    def api_records(self, events: EventBatch) -> tuple[np.ndarray, pa.Array]:
        """One JSON record per notification event, sorted by (event name, ts): (event names, records)."""
        order = np.lexsort((np.arange(len(events)), events.ts, _NAME_RANK[events.event]))
        ev = events.take(order)
        known, phone_new = known_mask(self.world, ev)
        variant = np.where(known, np.where(phone_new, 2, 1), 0)
        rows = pa.table({
            "seq": np.arange(len(ev), dtype=np.int64), "ts_int": yyyymmddhhmmss(ev.ts, self.cfg.timezone),
            "source": ev.source,
            "profile": self.api_profiles.take(pa.array(ev.device + variant * self.n_devices)),
            "props": self._props_for(ev)})
        self.con.register("n", rows)
        result = self.con.execute("""
            SELECT seq, concat('{"profile":', profile, ',"ts":', ts_int, ',"event_props":', props,
                               ',"session_props":', CASE WHEN source > 0 THEN list_extract(?, (source + 1)::INTEGER)
                                                         ELSE '{}' END, '}') AS record
            FROM n
        """, [self.session_props.to_pylist()[:-1]]).to_arrow_table()
        self.con.unregister("n")
        _check_order(result)
        return np.asarray(EVENT_NAMES, dtype=object)[ev.event], result["record"].combine_chunks()


@dataclass
class Prepared:
    """One export day's lines before rendering, in file order (event name, then time)."""

    events: EventBatch
    event_name: np.ndarray
    fault: np.ndarray  # 0 or 1 + index into MALFORMED_KINDS
    duplicate: np.ndarray  # an extra copy of an earlier line
    late: np.ndarray  # well-formed line whose ts is on an earlier day
    alt_spelling: np.ndarray  # well-formed line spelling event_props / sessionProps
    cut: np.ndarray  # where a truncated line is cut (share of its length)
    bad_ts: np.ndarray  # the ts written by an invalid_ts line


def prepare_export(cfg: GenerateConfig, export: ExportDay, index: int) -> Prepared:
    """Choose duplicates, malformed lines and alternative spellings for one export day, and the line order."""
    r = rng(cfg.seed, "faults", index)
    ev = export.events
    n = len(ev)
    fault = np.zeros(n, np.int8)
    malformed = r.random(n) < cfg.malformed_share
    fault[malformed] = r.integers(1, len(MALFORMED_KINDS) + 1, int(malformed.sum()))
    alt = r.random(n) < cfg.alt_spelling_share
    dup = np.flatnonzero((fault == 0) & (r.random(n) < cfg.duplicate_share))
    idx = np.concatenate([np.arange(n), dup])
    day_start = day_epoch(export.day)
    # late events and duplicate copies show up anywhere in the day's stream
    sort_ts = np.where(export.late, day_start + r.integers(0, DAY, n), ev.ts)
    sort_ts = np.concatenate([sort_ts, day_start + r.integers(0, DAY, len(dup))])
    m = len(idx)
    bad_ts = np.where(r.random(m) < 0.5,
                      20260000000000 + r.integers(13, 20, m) * 10**8 + r.integers(32, 46, m) * 10**6
                      + r.integers(25, 100, m) * 10**4,  # impossible calendar moment
                      ev.ts[idx])  # epoch seconds instead of yyyyMMddHHmmss
    cut = r.uniform(0.2, 0.9, m)
    order = np.lexsort((np.arange(m), sort_ts, _NAME_RANK[ev.event[idx]]))
    idx = idx[order]
    fault = fault[idx]
    return Prepared(
        events=ev.take(idx), event_name=np.asarray(EVENT_NAMES, dtype=object)[ev.event[idx]], fault=fault,
        duplicate=order >= n, late=export.late[idx] & (fault == 0), alt_spelling=alt[idx] & (fault == 0),
        cut=cut[order], bad_ts=bad_ts[order])


def _check_order(result: pa.Table) -> None:
    """DuckDB keeps insertion order for a plain projection; make sure, since file bytes depend on it."""
    seq = result["seq"].to_numpy()
    if len(seq) and not (np.all(np.diff(seq) == 1) and seq[0] == 0):
        raise RuntimeError("DuckDB reordered rendered lines")


class Writer:
    """Writes export chunks and API pages, compressing on a small thread pool."""

    def __init__(self, cfg: GenerateConfig) -> None:
        self.cfg = cfg
        self.export_dir = cfg.data_dir / "clevertap" / "export"
        self.api_dir = cfg.data_dir / "clevertap" / "api"
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.pending: list[Future] = []  # the previous day's files, compressing while the next day renders
        self.manifest: list[dict] = []

    def clear(self) -> None:
        """Remove earlier output for the days this run writes (the period plus the late-only day)."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        for k in range(self.cfg.days + 1):
            day = self.cfg.day(k)
            for path in self.export_dir.glob(export_glob(day)):
                path.unlink()
            shutil.rmtree(self.api_dir / f"{day:%Y%m%d}", ignore_errors=True)

    def write_export(self, day: date, prepared: Prepared, text: pa.Array) -> None:
        """Split one export day's rendered lines into per-event chunks; record each file in the manifest."""
        names, fault, dup = prepared.event_name, prepared.fault, prepared.duplicate
        late, alt = prepared.late, prepared.alt_spelling
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int32 if text.type == pa.string() else np.int64,
                                count=len(text) + 1, offset=text.offset * (4 if text.type == pa.string() else 8))
        data = text.buffers()[2]
        stamp = day_epoch(day + timedelta(days=1)) + 2 * 3600
        boundaries = np.flatnonzero(np.r_[True, names[1:] != names[:-1]]) if len(names) else np.zeros(0, int)
        self.wait()
        for g, lo in enumerate(boundaries):
            hi = boundaries[g + 1] if g + 1 < len(boundaries) else len(names)
            for index, s in enumerate(range(lo, hi, self.cfg.chunk_lines)):
                e = min(s + self.cfg.chunk_lines, hi)
                path = self.export_dir / export_file_name(EXPORT_ID, stamp, str(names[lo]), day, index, DB_ID)
                chunk = data[int(offsets[s]):int(offsets[e])]
                self.pending.append(self.pool.submit(_write_gzip, path, chunk))
                kinds = np.bincount(fault[s:e], minlength=len(MALFORMED_KINDS) + 1)
                entry = {"file": path.name, "export_day": day, "event_name": str(names[lo]), "file_index": index,
                         "lines": int(e - s), "duplicates": int(dup[s:e].sum()), "late": int(late[s:e].sum()),
                         "alt_spelling": int(alt[s:e].sum())}
                entry |= {kind: int(kinds[i + 1]) for i, kind in enumerate(MALFORMED_KINDS)}
                self.manifest.append(entry)

    def write_custom(self, day: date, prepared: Prepared, custom: list[tuple[str, np.ndarray, pa.Array]]) -> None:
        """Custom-event lines in files of their own, chunked like the others; recorded in the manifest."""
        stamp = day_epoch(day + timedelta(days=1)) + 2 * 3600
        for name, rows, text in custom:
            for index, s in enumerate(range(0, len(rows), self.cfg.chunk_lines)):
                e = min(s + self.cfg.chunk_lines, len(rows))
                path = self.export_dir / export_file_name(EXPORT_ID, stamp, name, day, index, DB_ID)
                offsets = np.frombuffer(text.buffers()[1], dtype=np.int64, count=len(text) + 1, offset=text.offset * 8)
                chunk = text.buffers()[2][int(offsets[s]):int(offsets[e])]
                self.pending.append(self.pool.submit(_write_gzip, path, chunk))
                part = rows[s:e]
                entry = {"file": path.name, "export_day": day, "event_name": name, "file_index": index,
                         "lines": int(e - s), "duplicates": 0, "late": int(prepared.late[part].sum()),
                         "alt_spelling": int(prepared.alt_spelling[part].sum())}
                entry |= {kind: 0 for kind in MALFORMED_KINDS}
                self.manifest.append(entry)

    def write_api(self, day: date, names: np.ndarray, records: pa.Array) -> int:
        """Write API pages for one day (records sorted by event name); returns the number of pages."""
        recs = records.to_pylist()
        pages = 0
        for event in sorted(set(names)):
            chosen = [recs[i] for i in np.flatnonzero(names == event)]
            folder = api_page_dir(self.api_dir, day, event)
            folder.mkdir(parents=True, exist_ok=True)
            size = self.cfg.api_page_size
            count = (len(chosen) + size - 1) // size
            for p in range(count):
                cursor = None
                if p + 1 < count:
                    token = json.dumps({"day": f"{day:%Y%m%d}", "event": event, "page": p + 2}, separators=(",", ":"))
                    cursor = base64.urlsafe_b64encode(token.encode()).decode()
                body = ('{"status":"success","records":[' + ",".join(chosen[p * size:(p + 1) * size])
                        + '],"next_cursor":' + json.dumps(cursor) + "}")
                (folder / f"page-{p + 1:04d}.json").write_text(body, encoding="utf-8")
            pages += count
        return pages

    def wait(self) -> None:
        """Block until every submitted file is on disk (raises the first write error)."""
        pending, self.pending = self.pending, []
        for job in pending:
            job.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown()


def _write_gzip(path: Path, chunk: pa.Buffer) -> None:
    # level 3: as fast as level 1 here, about 20% larger than level 6 at less than half its time
    path.write_bytes(gzip.compress(memoryview(chunk), compresslevel=3, mtime=0))


def known_mask(world: World, events: EventBatch) -> tuple[np.ndarray, np.ndarray]:
    """(identity known, phone already changed) per event."""
    d, c = world.devices, world.customers
    user = d.user[events.device]
    known = events.ts >= d.login_at[events.device]
    phone_new = (user >= 0) & (events.ts >= c.phone_changed_at[np.maximum(user, 0)])
    return known, phone_new
