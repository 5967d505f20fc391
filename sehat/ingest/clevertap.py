"""CleverTap files of one export day -> ``raw.clevertap_events`` (+ quarantine).

Both real delivery formats load into one table:

* cloud-export chunks ``<export id>-<ts>-<Event_Name>-<yyyymmdd>-<i>-<db>.json.gz``
  (camelCase keys: ``eventName``, ``eventProps``, ``deviceInfo``), and
* Get Events API pages ``api/<yyyymmdd>/<Event_Name>/page-*.json`` (snake_case
  keys, no event name in the record: it is the one that was requested).

How it works: Python only decompresses (zlib, in threads; it keeps the lines of
a truncated gzip and reports the cut) and reads API pages; DuckDB splits lines,
validates and flattens JSON in bulk, so the cost per event stays close to
DuckDB reading the files itself (see ``sehat bench``).

Every line read ends up in exactly one place: ``raw.clevertap_events`` or
``raw.clevertap_quarantine`` (with file, line number and reason). A day is a
partition (``export_date``): loading it again replaces it.
"""

from __future__ import annotations

import json
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from sehat.config import Settings, settings
from sehat.ingest import LoadReport, record_load
from sehat.sources.clevertap import EVENTS, EXPORT_NAME, event_slug, export_glob
from sehat.warehouse import writer

SOURCE = "clevertap"
BATCH_BYTES = 256 * 1024 * 1024  # decompressed text handed to DuckDB at a time

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
    record         JSON NOT NULL,
    loaded_at      TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.clevertap_quarantine (
    export_date   DATE NOT NULL,
    source_format VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    line_no       BIGINT NOT NULL,
    reason        VARCHAR NOT NULL,
    raw_line      VARCHAR,
    loaded_at     TIMESTAMP NOT NULL
);
"""

_LINES_SCHEMA = pa.schema(
    [
        ("source_format", pa.string()),
        ("source_file", pa.string()),
        ("line_no", pa.int64()),
        ("line", pa.large_string()),
        ("requested_event", pa.string()),
        ("pre_reason", pa.string()),
    ]
)

# Validation and flattening, in one pass over the staged lines (_lines).
# Each line is parsed twice in all: json_extract pulls the JSON-valued fields and
# json_extract_string every string field (both spellings) with one list of paths.
# The reason cascade names the first problem found.
_STRING_PATHS = [
    "$.eventName", "$.profile.objectId", "$.profile.identity", "$.profile.platform",
    "$.profile.phone", "$.profile.email", "$.profile.name", "$.profile.push_token",
    "$.deviceInfo.make", "$.profile.make", "$.deviceInfo.model", "$.profile.model",
    "$.deviceInfo.appVersion", "$.profile.app_version", "$.deviceInfo.sdkVersion", "$.profile.sdk_version",
    "$.deviceInfo.osVersion", "$.profile.os_version", "$.deviceInfo.browser", "$.controlGroupName",
]  # fmt: skip

_PARSE_SELECT = f"""
WITH base AS (
    SELECT *,
           pre_reason IS NULL AND json_valid(line) AS is_json
    FROM _lines
), fields AS (
    SELECT *,
           CASE WHEN is_json AND json_type(line) = 'OBJECT' THEN json_extract(line, [
               '$.ts', '$.profile', '$.eventProps', '$.event_props', '$.session_props', '$.sessionProps',
               '$.profile.all_identities'
           ]) END AS f,
           CASE WHEN is_json THEN json_extract_string(line, {_STRING_PATHS!r}) END AS s
    FROM base
), flat AS (
    SELECT *,
           coalesce(requested_event, s[1]) AS event_name,
           s[2] AS object_id,
           coalesce(_json_value(f[3]), _json_value(f[4])) AS event_props,
           coalesce(_json_value(f[5]), _json_value(f[6])) AS session_props
    FROM fields
)
SELECT *,
    CASE
        WHEN pre_reason IS NOT NULL THEN pre_reason
        WHEN NOT is_json THEN 'invalid_json'
        WHEN f IS NULL THEN 'not_a_json_object'
        WHEN f[1] IS NULL THEN 'missing_ts'
        WHEN json_type(f[1]) NOT IN ('UBIGINT', 'BIGINT') THEN 'ts_not_an_integer'
        WHEN try_strptime(f[1]::VARCHAR, '%Y%m%d%H%M%S') IS NULL THEN 'malformed_ts'
        WHEN event_name IS NULL THEN 'missing_event_name'
        WHEN event_name NOT IN (SELECT name FROM _known_events) THEN 'unknown_event'
        WHEN f[2] IS NULL OR json_type(f[2]) <> 'OBJECT' THEN 'missing_profile'
        WHEN object_id IS NULL THEN 'missing_profile_object_id'
        WHEN event_props IS NOT NULL AND json_type(event_props) <> 'OBJECT' THEN 'event_props_not_an_object'
    END AS reason
FROM flat
"""

# A duplicate is a byte-identical record (same requested event for API pages);
# the first occurrence in file/line order is kept. One materialisation for the
# whole check: the staged lines are large, copies of them are what costs.
_CHECK_SQL = f"""
CREATE OR REPLACE TEMP TABLE _checked AS
WITH parsed AS ({_PARSE_SELECT}
), keyed AS (
    SELECT *, CASE WHEN reason IS NULL THEN md5(coalesce(requested_event, '') || line) END AS event_key
    FROM parsed
)
SELECT *,
       CASE WHEN event_key IS NOT NULL AND row_number() OVER (
                PARTITION BY event_key ORDER BY source_format, source_file, line_no) > 1
            THEN 'duplicate' ELSE reason END AS final_reason
FROM keyed
"""

_INSERT_EVENTS_SQL = """
INSERT INTO raw.clevertap_events
SELECT $day, source_format, source_file, line_no, event_key, event_name,
       strptime(f[1]::VARCHAR, '%Y%m%d%H%M%S'),
       object_id, s[3],
       CASE WHEN json_type(f[7]) = 'ARRAY' THEN json_extract_string(f[7], '$[*]') END,
       s[4], s[5], s[6], s[7], s[8],
       coalesce(s[9], s[10]), coalesce(s[11], s[12]), coalesce(s[13], s[14]),
       coalesce(s[15], s[16]), coalesce(s[17], s[18]), s[19], s[20],
       event_props, session_props, line, $now
FROM _checked WHERE final_reason IS NULL
"""

_INSERT_QUARANTINE_SQL = """
INSERT INTO raw.clevertap_quarantine
SELECT $day, source_format, source_file, line_no, final_reason, line, $now
FROM _checked WHERE final_reason IS NOT NULL
"""


def ingest_day(day: date, cfg: Settings | None = None) -> LoadReport:
    """Load every CleverTap file of export day ``day``; replaces that day's partition."""
    cfg = cfg or settings()
    started = time.perf_counter()
    export_files = sorted(cfg.clevertap_export_dir.glob(export_glob(day)))
    export_files = [p for p in export_files if EXPORT_NAME.match(p.name)]
    api_pages = sorted((cfg.clevertap_api_dir / f"{day:%Y%m%d}").glob("*/page-*.json"))

    with writer(cfg) as con:
        con.execute(DDL)
        _stage_lines(con, export_files, api_pages, cfg.data_dir)
        con.execute(_CHECK_SQL)
        counts = dict(
            con.execute(
                "SELECT coalesce(final_reason, 'loaded'), count(*) FROM _checked GROUP BY ALL"
            ).fetchall()
        )
        now = con.execute("SELECT current_localtimestamp()::TIMESTAMP").fetchone()[0]
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM raw.clevertap_events WHERE export_date = ?", [day])
        con.execute("DELETE FROM raw.clevertap_quarantine WHERE export_date = ?", [day])
        con.execute(_INSERT_EVENTS_SQL, {"day": day, "now": now})
        con.execute(_INSERT_QUARANTINE_SQL, {"day": day, "now": now})
        loaded = counts.pop("loaded", 0)
        report = LoadReport(
            source=SOURCE,
            batch_date=day,
            read=loaded + sum(counts.values()),
            loaded=loaded,
            quarantined=sum(counts.values()),
            seconds=time.perf_counter() - started,
            detail={
                "export_files": len(export_files),
                "api_pages": len(api_pages),
                "quarantine_reasons": dict(sorted(counts.items())),
            },
        )
        record_load(con, report)
        con.execute("COMMIT")
        con.execute("DROP TABLE _lines; DROP TABLE _checked")
    return report


def _stage_lines(con: duckdb.DuckDBPyConnection, export_files: list[Path], api_pages: list[Path], root: Path) -> None:
    """Fill temp table ``_lines`` with one row per line/record of the day's files."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _lines (source_format VARCHAR, source_file VARCHAR, line_no BIGINT,"
        " line VARCHAR, requested_event VARCHAR, pre_reason VARCHAR)"
    )
    # JSON null counts as absent (a record may carry eventProps: null and event_props: {...})
    con.execute("CREATE OR REPLACE TEMP MACRO _json_value(j) AS CASE WHEN json_type(j) <> 'NULL' THEN j END")
    con.execute("CREATE OR REPLACE TEMP TABLE _known_events AS SELECT unnest(?::VARCHAR[]) AS name", [list(EVENTS)])
    # Export chunks: decompress in threads (zlib releases the GIL), split in DuckDB.
    with ThreadPoolExecutor(max_workers=4) as pool:
        batch: list[tuple[str, str]] = []
        size = 0
        for rel, text, problem in pool.map(lambda p: _read_gzip_lines(p, root), export_files):
            if problem is not None:
                _append_rows(con, [("export", rel, problem[0], problem[1], None, problem[2])])
            if text:
                batch.append((rel, text))
                size += len(text)
            if size >= BATCH_BYTES:
                _split_into_lines(con, batch)
                batch, size = [], 0
        _split_into_lines(con, batch)
    rows = []
    slug_to_event = {event_slug(e): e for e in EVENTS}
    for page in api_pages:
        rows.extend(_api_page_records(page, root, slug_to_event))
    _append_rows(con, rows)


def _split_into_lines(con: duckdb.DuckDBPyConnection, batch: list[tuple[str, str]]) -> None:
    if not batch:
        return
    files = pa.table({"source_file": [b[0] for b in batch], "content": pa.array([b[1] for b in batch], pa.large_string())})
    con.register("_file_batch", files)
    con.execute(
        """
        INSERT INTO _lines
        SELECT 'export', source_file, generate_subscripts(l, 1), unnest(l), NULL, NULL
        FROM (SELECT source_file, string_split(content, chr(10)) AS l FROM _file_batch)
        """
    )
    con.unregister("_file_batch")


def _append_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    if not rows:
        return
    table = pa.Table.from_pylist([dict(zip(_LINES_SCHEMA.names, r)) for r in rows], schema=_LINES_SCHEMA)
    con.register("_rows", table)
    con.execute("INSERT INTO _lines SELECT * FROM _rows")
    con.unregister("_rows")


def _read_gzip_lines(path: Path, root: Path) -> tuple[str, str, tuple[int, str, str] | None]:
    """Decompress a (possibly multi-member, possibly truncated) gzip file.

    Returns (relative path, text of complete lines without the final newline,
    problem) where problem is (line_no, raw tail, reason) for a file that
    could not be read to its end.
    """
    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    data = path.read_bytes()
    if not data:
        return rel, "", None  # an empty file holds no records
    parts: list[bytes] = []
    problem_reason = None
    try:
        while data:
            d = zlib.decompressobj(zlib.MAX_WBITS | 16)
            parts.append(d.decompress(data))
            if not d.eof:
                problem_reason = "truncated_gzip"
                break
            data = d.unused_data
    except zlib.error as exc:
        problem_reason = f"unreadable_gzip: {exc}"
    text = b"".join(parts).decode("utf-8", errors="replace")
    complete, _, tail = text.rpartition("\n") if problem_reason else (text.rstrip("\n"), "", "")
    if problem_reason is None:
        return rel, complete, None
    n_complete = complete.count("\n") + 1 if complete else 0
    return rel, complete, (n_complete + 1, tail, problem_reason)


def _api_page_records(page: Path, root: Path, slug_to_event: dict[str, str]) -> list[tuple]:
    rel = str(page.relative_to(root)) if page.is_relative_to(root) else str(page)
    event = slug_to_event.get(page.parent.name, page.parent.name.replace("_", " "))
    raw = page.read_text(encoding="utf-8", errors="replace")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        return [("api", rel, 0, raw[:10_000], event, f"invalid_page_json: {exc.msg}")]
    if not isinstance(body, dict) or body.get("status") != "success" or not isinstance(body.get("records"), list):
        return [("api", rel, 0, raw[:10_000], event, "invalid_page: status is not success or records missing")]
    return [
        ("api", rel, i, json.dumps(rec, separators=(",", ":")), event, None)
        for i, rec in enumerate(body["records"], start=1)
    ]
