"""CleverTap files of one export day -> ``raw.clevertap_events`` (+ quarantine).

Both real delivery formats load into one table:

* cloud-export chunks ``<export id>-<ts>-<Event_Name>-<yyyymmdd>-<i>-<db>.json.gz``
  (camelCase keys: ``eventName``, ``eventProps``, ``deviceInfo``), and
* Get Events API pages ``api/<yyyymmdd>/<Event_Name>/page-*.json`` (snake_case
  keys, no event name in the record: it is the one that was requested).

How it works: the day streams through in batches of about ``BATCH_BYTES`` of
text, so memory stays bounded whatever the size of the day. Python only
decompresses (ISA-L, in threads that run ahead of DuckDB; it keeps the lines of a
truncated gzip and reports the cut), splits lines with Arrow (no Python object
per line) and reads API pages; DuckDB decides each line's fate (valid, or the
reason it is not) in one pass, then flattens the accepted lines straight into the
partition and copies the rejected ones to the quarantine (see the SQL below).
The check runs on one connection and the insert on another, so checking batch
i+1 overlaps inserting batch i and both cores stay busy. Each insert commits on
its own: DuckDB keeps the Arrow data a transaction scanned until that transaction
ends, so one transaction for a whole day would hold the whole day in memory.
Inserts are whole row groups (122,880 rows): smaller appends go through the
write-ahead log (32 MB batches took twice as long), and a partial row group
followed by more is merged, which means decompressed and written again, at the
next checkpoint. ``sehat bench ingest`` compares the cost with DuckDB reading the
same files itself (``benchmarks/results/``).

Every line read ends up in exactly one place: ``raw.clevertap_events`` or
``raw.clevertap_quarantine`` (with file, line number, event name and reason). A day
is a partition (``export_date``): loading it again replaces it.

What real accounts send, and what the loader does with it (docs/design.md, "CleverTap
raw contract"; docs/operations.md, "Bad inputs"):

* every well-formed event loads whatever its name; names missing from the event
  catalogue (``sehat.sources.clevertap``) are counted per name (``custom_events``);
* ``ts`` is written in the account's time zone (``SEHAT_CLEVERTAP_TIMEZONE``):
  ``event_ts`` is UTC, ``event_ts_local`` the time as written;
* a ``ts`` before the platform start or later than the export day plus a tolerance
  is quarantined (``ts_out_of_range``; the tolerance and why: docs/design.md, "How late
  an event may be");
* a record without ``profile.objectId`` (CleverTap's own samples of installs, uninstalls and
  campaign sends have none; the profile may hold only ``platform`` and ``push_token``, or
  ``email``, ``phone`` as a number and ``all_identities``) loads like any other with
  ``object_id`` NULL: the identity graph attributes it where it can (dbt);
* the event key is the md5 of the event's content (event name, ``objectId``, or the profile's
  identifiers when it has none, ``ts``, event and session properties as minified JSON), so
  CRLF and LF copies of an event are one event;
* a UTF-8 byte-order mark is stripped, a line with invalid UTF-8 is quarantined
  (``invalid_utf8``, bytes shown as ``\\xNN``), a ``.json.gz`` that is plain text is
  read as text (reported in ``not_gzip_files``);
* every landing file is tracked in ``raw.clevertap_files`` (name, size, checksum, day):
  a rerun that would load fewer files for a day than its last load is refused
  (:class:`ShrinkRefused`) unless shrinking is allowed; files that land for an
  already-loaded day are loaded on the next run (the day is reloaded); unrecognised
  file names and broken API cursor chains are reported as ``warnings``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas  # noqa: F401  DuckDB's client imports it on first use of parameters or Arrow: pay it at import
import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

from sehat.config import Settings, settings
from sehat.ingest import LOAD_LOG_DDL, LoadReport, forget_load, record_load
from sehat.ingest import clevertap_files as files
from sehat.ingest.clevertap_files import ShrinkRefused  # noqa: F401  raised by ingest_day: importable here
from sehat.sources.clevertap import API_PAGE_NAME, EVENTS, EXPORT_NAME, event_slug, export_glob
from sehat.warehouse import writer

log = logging.getLogger(__name__)

SOURCE = "clevertap"
BOM = b"\xef\xbb\xbf"
BATCH_BYTES = 128 * 1024 * 1024  # decompressed text handed to DuckDB at a time: bounds Python's memory
# DuckDB's row-group size: accepted lines are appended in whole row groups (see _Appender).
ROW_GROUP_ROWS = 122_880
# DuckDB's own memory during the load (its cache of the blocks it wrote included).
MEMORY_LIMIT = "1GB"

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.clevertap_events (
    export_date    DATE NOT NULL,
    source_format  VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    line_no        BIGINT NOT NULL,
    event_key      VARCHAR NOT NULL,
    event_name     VARCHAR NOT NULL,
    event_ts       TIMESTAMP NOT NULL,
    object_id      VARCHAR,
    identity       VARCHAR,
    all_identities VARCHAR[],
    platform       VARCHAR,
    phone          VARCHAR,
    email          VARCHAR,
    name           VARCHAR,
    push_token     VARCHAR,
    device_make    VARCHAR,
    device_model   VARCHAR,
    app_version    VARCHAR,
    sdk_version    VARCHAR,
    os_version     VARCHAR,
    browser        VARCHAR,
    control_group  VARCHAR,
    event_props    JSON,
    session_props  JSON,
    record         JSON NOT NULL USING COMPRESSION zstd,
    loaded_at      TIMESTAMP NOT NULL,
    event_ts_local TIMESTAMP
);
-- added after the first release: warehouses created before get them here
ALTER TABLE raw.clevertap_events ADD COLUMN IF NOT EXISTS event_ts_local TIMESTAMP;
CREATE TABLE IF NOT EXISTS raw.clevertap_quarantine (
    export_date   DATE NOT NULL,
    source_format VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    line_no       BIGINT NOT NULL,
    reason        VARCHAR NOT NULL,
    raw_line      VARCHAR,
    loaded_at     TIMESTAMP NOT NULL,
    event_name    VARCHAR
);
ALTER TABLE raw.clevertap_quarantine ADD COLUMN IF NOT EXISTS event_name VARCHAR;
CREATE TABLE IF NOT EXISTS raw.clevertap_files (
    export_date   DATE NOT NULL,
    source_format VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    size          BIGINT NOT NULL,
    checksum      VARCHAR,
    loaded_at     TIMESTAMP
);
"""

# ``line`` is typed as Arrow's JSON extension type so that DuckDB sees it as JSON and
# storing it in ``record JSON`` is a copy, not a second parse (json_valid still checks it).
_LINE_TYPE = pa.json_(pa.large_string())
_LINES_SCHEMA = pa.schema(
    [
        ("source_format", pa.string()),
        ("source_file", pa.string()),
        ("line_no", pa.int64()),
        ("line", _LINE_TYPE),
        ("requested_event", pa.string()),
        ("pre_reason", pa.string()),
    ]
)

# Each batch (a table of lines, _LINES_SCHEMA, plus ``seq``) goes through two passes.
#
# 1. ``_CHECK_SQL`` decides every line's fate: it parses each line twice (json_valid,
#    then json_extract of the five fields the checks need, in one call) and returns,
#    in batch order, the line's event key and the reason it is rejected (NULL: it is
#    loaded). The reason cascade names the first problem found. Then ``_check_batch``
#    marks duplicates: a duplicate is a byte-identical record (same requested event for
#    API pages) of an earlier line, the first in (source_format, source_file, line_no)
#    order being kept. Export lines and API records each come in that order (an API
#    record's key never equals an export line's: ``_batches``), so a line is a
#    duplicate when its key is earlier in its batch or was accepted in an earlier batch
#    (``_SEEN_SQL``). (Found before inserting: rows deleted from the partition inside a
#    load would make DuckDB rewrite the whole day at commit.)
# 2. The accepted lines are flattened straight into the partition (one more parse,
#    ``from_json`` with ``_RECORD_SHAPE``); the rejected ones, few, go to the
#    quarantine as they are.
#
# Deciding first keeps RETURNING off the big insert: DuckDB materialises what an
# INSERT ... RETURNING returns, which cost more than parsing every line once more.
_CHECK_PATHS = ["$.ts", "$.eventProps", "$.event_props", "$.eventName", "$.profile.objectId", "$.session_props",
                "$.sessionProps"]
_V, _J = "VARCHAR", "JSON"
# The fields the partition keeps, in both spellings, read from an accepted line in one parse
# (``from_json``: half the cost of a json_extract plus a json_extract_string over the same
# paths). JSON-typed fields keep their value as JSON (a JSON null becomes NULL); VARCHAR ones get
# strings, and objects or arrays as their JSON text, as json_extract_string gives them.
_RECORD_SHAPE = json.dumps({
    "ts": _J, "eventProps": _J, "event_props": _J, "session_props": _J, "sessionProps": _J,
    "controlGroupName": _V,
    "profile": {"objectId": _V, "identity": _V, "platform": _V, "phone": _V, "email": _V, "name": _V,
                "push_token": _V, "make": _V, "model": _V, "app_version": _V, "sdk_version": _V, "os_version": _V,
                "all_identities": _J},
    "deviceInfo": {"make": _V, "model": _V, "appVersion": _V, "sdkVersion": _V, "osVersion": _V, "browser": _V},
})
_INT_TYPES = "('UBIGINT', 'BIGINT')"
# Who a record without ``objectId`` belongs to, for its event key: the identifiers its profile
# carries, in fixed positions, spelled as both delivery formats spell them (a phone written as a
# number and as a string give the same text). Two users' events at the same second with the same
# properties stay two events; a record with no identifier at all can only be told apart by its
# content (a second copy of it is a duplicate).
_PROFILE_WITHOUT_OBJECT_ID = (
    "'no objectId' || chr(30) || array_to_string(list_transform(json_extract_string(line, ['$.profile.identity', "
    "'$.profile.email', '$.profile.phone', '$.profile.push_token', '$.profile.platform']), x -> coalesce(x, '')), "
    "chr(30)) || chr(30) || coalesce(json_extract(line, '$.profile.all_identities')::VARCHAR, '')"
)


def _event_ts(ts: str) -> str:
    """SQL: the event time from the JSON value ``ts`` (an integer yyyymmddHHMMSS), else NULL."""
    return f"CASE WHEN json_type({ts}) IN {_INT_TYPES} THEN try_strptime({ts}::VARCHAR, '%Y%m%d%H%M%S') END"


_CHECK_SQL = f"""
WITH base AS (
    SELECT *, pre_reason IS NULL AND json_valid(line) AS is_json
    FROM _arrow_lines
), fields AS (
    SELECT *,
           CASE WHEN is_json AND CASE WHEN starts_with(line, '{{') THEN true ELSE json_type(line) = 'OBJECT' END
                THEN json_extract(line, {_CHECK_PATHS!r}) END AS f
    FROM base
), named AS (
    SELECT *, coalesce(requested_event, CASE WHEN f IS NOT NULL THEN nullif(trim(f[4]->>'$'), '') END) AS name,
           CASE WHEN f IS NOT NULL THEN {_event_ts("f[1]")} END AS ts_local
    FROM fields
), checked AS (
    SELECT seq, name,
           -- the event's content, not its bytes: a CRLF and an LF copy of an event share the key
           md5(CASE WHEN f IS NULL THEN line::VARCHAR
                    ELSE concat_ws(chr(31), name,
                                   CASE WHEN _json_value(f[5]) IS NOT NULL THEN f[5]->>'$'
                                        ELSE {_PROFILE_WITHOUT_OBJECT_ID} END,
                                   f[1]::VARCHAR,
                                   coalesce(_json_value(f[2]), _json_value(f[3]))::VARCHAR,
                                   coalesce(_json_value(f[6]), _json_value(f[7]))::VARCHAR) END) AS k,
           CASE
               WHEN pre_reason IS NOT NULL THEN pre_reason
               WHEN NOT is_json THEN 'invalid_json'
               WHEN f IS NULL THEN 'not_a_json_object'
               WHEN f[1] IS NULL THEN 'missing_ts'
               WHEN json_type(f[1]) NOT IN {_INT_TYPES} THEN 'ts_not_an_integer'
               WHEN ts_local IS NULL THEN 'malformed_ts'
               WHEN ts_local < $ts_from OR ts_local >= $ts_until THEN 'ts_out_of_range'
               WHEN name IS NULL THEN 'missing_event_name'
               -- no objectId is no fault (CleverTap's own samples have none): only a profile that is
               -- there and not an object is (json_type: only on the lines without an objectId)
               WHEN _json_value(f[5]) IS NULL AND coalesce(json_type(line, '$.profile'), 'NULL') NOT IN ('OBJECT', 'NULL')
                   THEN 'profile_not_an_object'
               WHEN json_type(coalesce(_json_value(f[2]), _json_value(f[3]))) <> 'OBJECT' THEN 'event_props_not_an_object'
           END AS reason
    FROM named
)
SELECT k AS event_key, reason, name AS event_name
FROM checked
ORDER BY seq
"""  # noqa: E501 (SQL text: wrapping would change the string)

# The batch's candidate keys already loaded by an earlier batch of this load (the partition
# was emptied when the load began, so these are all the keys it holds). They are kept in a
# temporary table of the checking connection (about 50 bytes a key; beyond the memory limit
# DuckDB spills it to disk), so checking batch i+1 does not wait for batch i's insert to
# commit. A semi join builds its hash table on the batch's keys, not on the growing set: one
# scan of the set per batch.
_SEEN_SQL = "SELECT event_key FROM _load_keys SEMI JOIN _arrow_keys USING (event_key)"
_ADD_SEEN_SQL = "INSERT INTO _load_keys SELECT event_key FROM _arrow_keys"

_EVENT_COLUMNS = ("export_date, source_format, source_file, line_no, event_key, event_name, event_ts, object_id,"
                  " identity, all_identities, platform, phone, email, name, push_token, device_make, device_model,"
                  " app_version, sdk_version, os_version, browser, control_group, event_props, session_props,"
                  " record, loaded_at, event_ts_local")


def _insert_events_sql(timezone: str) -> str:
    """The insert of accepted lines; ``event_ts`` is UTC, ``event_ts_local`` as the account wrote it."""
    utc = "ts_local" if timezone == "UTC" else f"timezone('UTC', timezone('{timezone}', ts_local))"
    return f"""
INSERT INTO raw.clevertap_events ({_EVENT_COLUMNS})
SELECT $day, source_format, source_file, line_no, event_key,
       event_name, {utc}, r.profile.objectId, r.profile.identity,
       CASE WHEN json_type(r.profile.all_identities) = 'ARRAY' THEN json_extract_string(r.profile.all_identities, '$[*]') END,
       r.profile.platform, r.profile.phone, r.profile.email, r.profile.name, r.profile.push_token,
       coalesce(r.deviceInfo.make, r.profile.make), coalesce(r.deviceInfo.model, r.profile.model),
       coalesce(r.deviceInfo.appVersion, r.profile.app_version), coalesce(r.deviceInfo.sdkVersion, r.profile.sdk_version),
       coalesce(r.deviceInfo.osVersion, r.profile.os_version), r.deviceInfo.browser, r.controlGroupName,
       coalesce(r.eventProps, r.event_props), coalesce(r.session_props, r.sessionProps),
       line, $now, ts_local
FROM (SELECT *, {_event_ts("r.ts")} AS ts_local
      FROM (SELECT *, from_json(line, '{_RECORD_SHAPE}') AS r FROM _arrow_events))
"""  # noqa: E501 (SQL text: wrapping would change the string)

# The event name of a rejected line: the requested one (API pages), the record's, else the one in
# the export file's name.
_INSERT_QUARANTINE_SQL = r"""
INSERT INTO raw.clevertap_quarantine
    (export_date, source_format, source_file, line_no, reason, raw_line, loaded_at, event_name)
SELECT $day, source_format, source_file, line_no, reason, line, $now,
       coalesce(event_name, nullif(replace(regexp_extract(source_file,
                '(?:^|/)\d+-\d+-(.+)-\d{8}-\d+-\d+\.json\.gz$', 1), '_', ' '), ''))
FROM _arrow_rejected
"""


def ingest_day(day: date, cfg: Settings | None = None, *, allow_shrink: bool | None = None) -> LoadReport:
    """Load every CleverTap file of export day ``day``; replaces that day's partition.

    Also reloads earlier, already-loaded days that received new or changed files since their
    load (listed in the report's ``late_files``; each reloaded day gets its own load-log row).
    ``allow_shrink`` (default: ``cfg.clevertap_allow_shrink``) lets a day be replaced by fewer
    files than its last load read; otherwise that raises :class:`ShrinkRefused`.
    """
    cfg = cfg or settings()
    allow_shrink = cfg.clevertap_allow_shrink if allow_shrink is None else allow_shrink
    with writer(cfg) as con:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        tracked_before = files.table_exists(con, "raw", "clevertap_files")
        con.execute(LOAD_LOG_DDL)
        con.execute(DDL)
        _check_timezone(con, cfg.clevertap_timezone)
        landed = files.landed_files(cfg)
        if not tracked_before:
            files.track_loaded_days_as_seen(con, landed)
        late = files.late_files(con, landed, day)
        report = _load_day(con, day, cfg, allow_shrink, late)
        for other in sorted(late):
            log.warning("CleverTap: %d file(s) landed for %s after it was loaded; reloading that day: %s",
                        len(late[other]), other, ", ".join(late[other][:5]))
            _load_day(con, other, cfg, allow_shrink, {})
    return report


def _load_day(con: duckdb.DuckDBPyConnection, day: date, cfg: Settings, allow_shrink: bool,
              late: dict[date, list[str]]) -> LoadReport:
    started = time.perf_counter()
    root = cfg.data_dir
    # in (source_file) order, as the dedup orders them
    export_files = sorted((p for p in cfg.clevertap_export_dir.glob(export_glob(day)) if EXPORT_NAME.match(p.name)),
                          key=lambda p: files.relative(p, root))
    api_pages = sorted((p for p in (cfg.clevertap_api_dir / f"{day:%Y%m%d}").glob("*/page-*.json")
                        if API_PAGE_NAME.match(p.name)), key=lambda p: files.relative(p, root))
    landed_now = [files.relative(p, root) for p in export_files + api_pages]
    warnings: list[str] = []
    shrink = files.shrink_check(con, day, landed_now, allow_shrink)
    if shrink:
        warnings.append(shrink)
    warnings += files.unrecognised_files(cfg, day)
    for other, names in sorted(late.items()):
        warnings.append(f"{len(names)} file(s) landed for {other} after that day was loaded "
                        f"(reloaded in this run): {', '.join(names[:5])}")

    now = con.execute("SELECT current_localtimestamp()::TIMESTAMP").fetchone()[0]
    params = {"day": day, "now": now}
    start = datetime.combine(cfg.clevertap_platform_start, datetime.min.time())
    until = datetime.combine(day + timedelta(days=1 + cfg.clevertap_future_days), datetime.min.time())
    # The day's partition and its load-log row go first, together; each batch then
    # commits on its own, and the load-log row comes last: a day without its row in
    # raw.load_log did not finish loading (re-running it replaces whatever it left).
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM raw.clevertap_events WHERE export_date = ?", [day])
    con.execute("DELETE FROM raw.clevertap_quarantine WHERE export_date = ?", [day])
    forget_load(con, SOURCE, day)
    con.execute("COMMIT")
    notes: dict[str, dict] = {}
    counts, custom = _load(con, _batches(export_files, api_pages, root, notes), params,
                           {"ts_from": start, "ts_until": until}, _insert_events_sql(cfg.clevertap_timezone))
    loaded = counts.pop("loaded", 0)
    quarantined = sum(counts.values())
    warnings += files.broken_cursor_chains(api_pages, root, notes)
    detail = {
        "export_files": len(export_files),
        "api_pages": len(api_pages),
        "quarantine_reasons": dict(sorted((k, v) for k, v in counts.items() if v)),
        "custom_events": dict(sorted(custom.items())),
        "timezone": cfg.clevertap_timezone,
    }
    for flag, key in (("not_gzip", "not_gzip_files"), ("bom", "bom_files"), ("crlf", "crlf_files")):
        flagged = sorted(f for f, n in notes.items() if n.get(flag))
        if flagged:
            detail[key] = flagged
    if late:
        detail["late_files"] = {str(d): names for d, names in sorted(late.items())}
    if warnings:
        detail["warnings"] = warnings
        for w in warnings:
            log.warning("CleverTap %s: %s", day, w)
    report = LoadReport(source=SOURCE, batch_date=day, read=loaded + quarantined, loaded=loaded,
                        quarantined=quarantined, seconds=time.perf_counter() - started, detail=detail)
    con.execute("BEGIN TRANSACTION")
    files.record_files(con, day, export_files + api_pages, root, notes, now)
    record_load(con, report)
    con.execute("COMMIT")
    return report


def _check_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", timezone):
        raise ValueError(f"SEHAT_CLEVERTAP_TIMEZONE={timezone!r} is not a time zone name (e.g. Asia/Kolkata)")
    try:
        con.execute(f"SELECT timezone('{timezone}', TIMESTAMP '2026-01-01')").fetchone()
    except duckdb.Error as exc:
        raise ValueError(f"SEHAT_CLEVERTAP_TIMEZONE={timezone!r} is not a time zone DuckDB knows: {exc}") from exc


# ------------------------------------------------------------------ checking and appending lines
def _load(con: duckdb.DuckDBPyConnection, batches: Iterator[pa.Table], params: dict, bounds: dict,
          insert_sql: str) -> tuple[Counter[str], Counter[str]]:
    """Check and append ``batches``; count per outcome (``loaded``, or the quarantine reason),
    and the loaded events per custom (not catalogued) name.

    Two connections share the work: checking batch i+1 (this thread) overlaps
    appending batch i (a second thread); each uses about one core.
    """
    check_con, insert_con = con.cursor(), con.cursor()
    _prepare(check_con)
    appender = _Appender(insert_con, params, insert_sql)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clevertap-insert") as inserter:
            appending = None
            for batch in batches:
                checked = _check_batch(check_con, batch, bounds)
                if appending is not None:
                    appending.result()
                appending = inserter.submit(appender.add, checked)
            if appending is not None:
                appending.result()
        appender.finish()
    finally:
        check_con.close()
        insert_con.close()
    return appender.counts, appender.custom


_KNOWN_EVENTS = pa.array(list(EVENTS), pa.string())


class _Appender:
    """Appends checked batches: rejected lines to the quarantine, accepted ones to the
    partition in whole row groups (``ROW_GROUP_ROWS``), the remainder waiting for the next
    batch. A partial row group followed by more appends is merged, so decompressed and
    written again, at the next checkpoint (with one or two per batch, that checkpoint
    cost a third of the load)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, params: dict, insert_sql: str) -> None:
        self.con, self.params, self.insert_sql = con, params, insert_sql
        self.counts: Counter[str] = Counter(loaded=0)
        self.custom: Counter[str] = Counter()
        self.held: pa.Table | None = None  # accepted lines short of a whole row group

    def add(self, checked: pa.Table) -> None:
        reasons = checked.column("reason")
        if reasons.null_count < len(reasons):
            self.counts.update({r["values"]: r["counts"] for r in pc.value_counts(reasons.drop_null()).to_pylist()})
            self._insert(_INSERT_QUARANTINE_SQL, "_arrow_rejected", checked.filter(pc.is_valid(reasons)))
        accepted = checked.filter(pc.is_null(reasons))
        names = accepted.column("event_name")
        custom = pc.filter(names, pc.invert(pc.is_in(names, value_set=_KNOWN_EVENTS)))
        if len(custom):
            self.custom.update({r["values"]: r["counts"] for r in pc.value_counts(custom).to_pylist()})
        if self.held is not None:
            accepted = pa.concat_tables([self.held, accepted])
        whole = accepted.num_rows // ROW_GROUP_ROWS * ROW_GROUP_ROWS
        self.held = accepted.slice(whole)
        if whole:
            # one Arrow batch per row group: DuckDB appends each scanned batch on its own
            groups = accepted.slice(0, whole).combine_chunks().to_batches(max_chunksize=ROW_GROUP_ROWS)
            self.counts["loaded"] += self._insert(self.insert_sql, "_arrow_events", pa.Table.from_batches(groups))

    def finish(self) -> None:
        """Append the lines still held (the day's last, partial row group)."""
        if self.held is not None and self.held.num_rows:
            self.counts["loaded"] += self._insert(self.insert_sql, "_arrow_events", self.held)
        self.held = None

    def _insert(self, sql: str, name: str, table: pa.Table) -> int:
        with _registered(self.con, name, table):
            return self.con.execute(sql, self.params).fetchone()[0]


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible to ``con``'s queries as ``name`` inside the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    # JSON null counts as absent (a record may carry eventProps: null and event_props: {...})
    # (json_extract writes a JSON null as the text 'null': a string compare, not a parse)
    con.execute("CREATE OR REPLACE TEMP MACRO _json_value(j) AS CASE WHEN j::VARCHAR <> 'null' THEN j END")
    con.execute("CREATE OR REPLACE TEMP TABLE _load_keys (event_key VARCHAR)")


def _check_batch(con: duckdb.DuckDBPyConnection, batch: pa.Table, bounds: dict) -> pa.Table:
    """``batch`` plus each line's ``event_key``, ``reason`` (NULL: it is loaded) and ``event_name``.

    Runs on the checking connection (its temporary ``_load_keys`` holds the keys
    accepted so far in this load), in batch order. ``bounds``: ``ts_from`` and
    ``ts_until``, the plausible window of a ``ts`` (account-local time).
    """
    lines = batch.append_column("seq", pa.array(np.arange(batch.num_rows, dtype=np.int64)))
    with _registered(con, "_arrow_lines", lines):
        checked = con.execute(_CHECK_SQL, bounds).to_arrow_table()
    keys, reasons = checked.column("event_key").combine_chunks(), checked.column("reason").combine_chunks()
    # Dictionary codes number the keys in order of first appearance: a line repeats an
    # earlier one of its batch when its code is not above every code before it. Only accepted
    # lines count: a quarantined line (a profile that is a string, say) never makes a later,
    # well-formed line with the same key a duplicate.
    valid = np.flatnonzero(pc.is_null(reasons).to_numpy(zero_copy_only=False))
    codes = pc.dictionary_encode(keys.take(pa.array(valid))).indices.to_numpy()
    repeat = np.zeros(len(keys), dtype=bool)
    if len(codes) > 1:
        repeat[valid[1:]] = codes[1:] <= np.maximum.accumulate(codes)[:-1]
    candidate = pc.and_(pc.is_null(reasons), pa.array(~repeat))
    with _registered(con, "_arrow_keys", pa.table({"event_key": pc.filter(keys, candidate)})):
        seen = con.execute(_SEEN_SQL).to_arrow_table().column("event_key")
    duplicate = pc.and_(pc.is_null(reasons), pc.or_(pa.array(repeat), pc.is_in(keys, value_set=seen)))
    reasons = pc.if_else(duplicate, "duplicate", reasons)
    with _registered(con, "_arrow_keys", pa.table({"event_key": pc.filter(keys, pc.is_null(reasons))})):
        con.execute(_ADD_SEEN_SQL)
    names = checked.column("event_name").combine_chunks()
    return pa.Table.from_arrays([*batch.columns, keys, reasons, names],
                                [*batch.column_names, "event_key", "reason", "event_name"])


def _batches(export_files: list[Path], api_pages: list[Path], root: Path,
             notes: dict[str, dict]) -> Iterator[pa.Table]:
    """Tables of about BATCH_BYTES of lines, read by threads a few files ahead of DuckDB.

    Export lines and API records each come in the dedup order, (source_file,
    line_no); the two streams are interleaved, each file at its fraction of its own
    stream: the API pages' Python-bound JSON is read while DuckDB works on export
    batches, not after them. (An event delivered both ways keeps the copy read first,
    in this fixed order, whatever the batch size.) ``notes`` receives what each file
    reader noticed (size, checksum, BOM, not gzip, next_cursor), by relative path.
    """
    slug_to_event = {event_slug(e): e for e in EVENTS}
    streams = [[(_export_file_lines, p) for p in export_files],
               [(_api_page_lines, p, slug_to_event) for p in api_pages]]
    tasks = [task for _, task in sorted(((i / len(stream), k), task) for k, stream in enumerate(streams)
                                        for i, task in enumerate(stream))]
    workers = min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        todo = iter(tasks)
        parts: list[pa.Table] = []
        size = 0
        while True:
            while len(pending) < 2 * workers and (task := next(todo, None)) is not None:
                pending.append(pool.submit(task[0], *task[1:], root))
            if not pending:
                break
            table, note = pending.popleft().result()
            notes[note.pop("file")] = note
            parts.append(table)
            size += table.nbytes
            if size >= BATCH_BYTES:
                yield pa.concat_tables(parts)
                parts, size = [], 0
        if parts:
            yield pa.concat_tables(parts)


def _rows_table(rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows))
    arrays = [pa.array(c, f.type.storage_type if f.type == _LINE_TYPE else f.type)
              for c, f in zip(columns, _LINES_SCHEMA)]
    arrays[3] = pa.ExtensionArray.from_storage(_LINE_TYPE, arrays[3])
    return pa.table(arrays, schema=_LINES_SCHEMA)


def _export_file_lines(path: Path, root: Path) -> tuple[pa.Table, dict]:
    """One export file as a table of lines (_LINES_SCHEMA); a cut file adds one row for the cut.

    Handles multi-member and truncated gzip: the complete lines before a cut are
    kept and the cut is reported at the line after them, with the raw tail. A file
    that is not gzip at all (no gzip magic) is read as plain text. A leading UTF-8
    byte-order mark is dropped; a line that is not valid UTF-8 is quarantined
    (``invalid_utf8``). Runs in a worker thread: ISA-L, hashlib and Arrow release the GIL.
    Returns the table and what was noticed about the file (size, checksum, ...).
    """
    rel = files.relative(path, root)
    raw = path.read_bytes()
    note: dict = {"file": rel, "size": len(raw), "checksum": hashlib.md5(raw).hexdigest()}
    if raw and raw[:2] != b"\x1f\x8b":
        data, problem = raw, None
        note["not_gzip"] = True
    else:
        data, problem = _gunzip(raw)
    if data.startswith(BOM):
        data = data[len(BOM):]
        note["bom"] = True
    if problem is None:
        end = len(data)
        while end and data[end - 1] in (0x0A, 0x0D):  # trailing newlines end the last line, they do not add one
            end -= 1
        tail = None
    else:
        cut = data.rfind(b"\n")  # the complete lines end at the last newline; -1: none is complete
        end, tail = max(cut, 0), data[cut + 1 :]
    lines, reasons = _split_lines(data, end)
    if data.find(b"\r", 0, end) >= 0:
        note["crlf"] = True
    n = len(lines)
    table = pa.table(
        [pa.repeat("export", n), pa.repeat(rel, n), pa.array(np.arange(1, n + 1, dtype=np.int64)), lines,
         pa.nulls(n, pa.string()), reasons if reasons is not None else pa.nulls(n, pa.string())],
        schema=_LINES_SCHEMA,
    )
    if problem is None:
        return table, note
    cut = _rows_table([("export", rel, n + 1, tail.decode("utf-8", errors="backslashreplace"), None, problem)])
    return pa.concat_tables([table, cut]), note


def _gunzip(data: bytes) -> tuple[bytes, str | None]:
    """Decompress a (possibly multi-member, possibly truncated) gzip; return (bytes, problem or None).

    ISA-L's inflate (``isal``, zlib's interface) is 2-3x faster than zlib and, like it,
    releases the GIL, so the reading threads keep ahead of DuckDB.
    """
    parts: list[bytes] = []
    problem = None
    try:
        while data:
            d = isal_zlib.decompressobj(isal_zlib.MAX_WBITS | 16)
            parts.append(d.decompress(data))
            if not d.eof:
                problem = "truncated_gzip"
                break
            data = d.unused_data
    except isal_zlib.error as exc:
        problem = f"unreadable_gzip: {exc}"
    return (parts[0] if len(parts) == 1 else b"".join(parts)), problem


def _split_lines(data: bytes, end: int) -> tuple[pa.Array, pa.Array | None]:
    """The lines of ``data[:end]`` as an Arrow string array, split without a Python object per line,
    and each line's pre-check reason (``invalid_utf8``), or None when every line is valid UTF-8.

    A line ending in CR (a CRLF file) loses the CR. Lines that are not valid UTF-8 are kept
    with their bad bytes written as ``\\xNN`` (so the quarantine row can be replayed)."""
    if end == 0:
        return pa.ExtensionArray.from_storage(_LINE_TYPE, pa.array([], pa.large_string())), None
    text = pa.LargeStringArray.from_buffers(1, pa.array([0, end], pa.int64()).buffers()[1], pa.py_buffer(data))
    reasons = None
    try:
        text.validate(full=True)  # UTF-8 check
        lines = pc.split_pattern(text, "\n").flatten()
    except pa.ArrowInvalid:
        decoded, bad = [], []
        for raw in data[:end].split(b"\n"):
            try:
                decoded.append(raw.decode("utf-8"))
                bad.append(None)
            except UnicodeDecodeError:
                decoded.append(raw.decode("utf-8", errors="backslashreplace"))
                bad.append("invalid_utf8")
        lines, reasons = pa.array(decoded, pa.large_string()), pa.array(bad, pa.string())
    if data.find(b"\r", 0, end) >= 0:
        lines = pc.utf8_rtrim(lines, characters="\r")
    return pa.ExtensionArray.from_storage(_LINE_TYPE, lines), reasons


def _api_page_lines(page: Path, slug_to_event: dict[str, str], root: Path) -> tuple[pa.Table, dict]:
    """One API page as a table of records (_LINES_SCHEMA); an unreadable page is one quarantine row."""
    rel = files.relative(page, root)
    event = slug_to_event.get(page.parent.name, page.parent.name.replace("_", " "))
    data = page.read_bytes()
    note: dict = {"file": rel, "api": True, "size": len(data), "checksum": hashlib.md5(data).hexdigest()}
    if data.startswith(BOM):
        data = data[len(BOM):]
        note["bom"] = True
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="backslashreplace")
        return _rows_table([("api", rel, 0, text[:10_000], event, "invalid_utf8")]), note
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _rows_table([("api", rel, 0, raw[:10_000], event, f"invalid_page_json: {exc.msg}")]), note
    if not isinstance(body, dict) or body.get("status") != "success" or not isinstance(body.get("records"), list):
        return _rows_table([("api", rel, 0, raw[:10_000], event,
                             "invalid_page: status is not success or records missing")]), note
    note["next_cursor"] = body.get("next_cursor") not in (None, "")
    lines = [json.dumps(rec, separators=(",", ":")) for rec in body["records"]]
    n = len(lines)
    return pa.table(
        [pa.repeat("api", n), pa.repeat(rel, n), pa.array(np.arange(1, n + 1, dtype=np.int64)),
         pa.ExtensionArray.from_storage(_LINE_TYPE, pa.array(lines, pa.large_string())),
         pa.repeat(event, n), pa.nulls(n, pa.string())],
        schema=_LINES_SCHEMA,
    ), note
