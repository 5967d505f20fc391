"""The PII gate at scale: time and peak memory of :func:`sehat.release.checks.pii_check` with
1,000,000 known values and a segment of 100,000 rows (issue 28: at 1,000,000 customers the old
tail-of-digits rule refused every segment).

Two phases, each measured on its own:

1. **load**: the known e-mails and phones read from ``restricted.dim_customer_pii`` of a DuckDB file
   (:func:`~sehat.release.checks.known_pii_values`, what every gate run does);
2. **check**: :func:`~sehat.release.checks.pii_check` on a segment shaped like
   ``consulted_no_order_30d`` (md5 ``customer_key``, ``user_id``, timestamps, dates), and on the
   same rows with a free-text column holding a number in every value (the slow path: every value
   goes through the pattern scan and the phone reading).

Peak memory is the process's peak RSS above its RSS at the start of the phase (``VmHWM`` reset
through ``/proc/self/clear_refs``; None where that file cannot be written). The data is generated:
phones shaped like the warehouse's (``+62 8xx``), random md5 keys.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _measured(fn: Callable[[], object]) -> tuple[object, float, float | None]:
    """(fn(), seconds, peak RSS above the RSS at the start in MB, or None)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        start_kb = _status_kb("VmRSS")
    except OSError:
        start_kb = None
    t = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t
    peak = None if start_kb is None else max(_status_kb("VmHWM") - start_kb, 0) / 1024
    return out, seconds, peak


def _known_values_db(path: Path, known: int) -> None:
    """``restricted.dim_customer_pii`` with ``known`` customers: distinct phones and e-mails."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA restricted")
        con.execute(f"""
            CREATE TABLE restricted.dim_customer_pii AS
            SELECT md5('customer' || i::VARCHAR) AS customer_key,
                   '+62' || (['812', '813', '821', '857', '878', '895'])[1 + i % 6]
                         || lpad(((i * 7919 + 104729) % 900000000 + 100000000)::VARCHAR, 9, '0') AS phone,
                   'customer' || i::VARCHAR || '@mail.example' AS email
            FROM range({known}) t(i)""")


def _segment(con, rows: int) -> pd.DataFrame:
    """A segment shaped like ``consulted_no_order_30d``, read the way the gate reads it (``.df()``)."""
    return con.execute(f"""
        SELECT md5('member' || i::VARCHAR) AS customer_key, i + 1 AS user_id,
               TIMESTAMP '2026-11-01 09:00:00' - to_minutes(i % 40000) AS last_consultation_at,
               (i % 30)::INTEGER AS days_since_consultation, DATE '2026-11-04' AS as_of_date
        FROM range({rows}) t(i)""").df()


def measure_pii_gate(known: int = 1_000_000, rows: int = 100_000) -> dict:
    """Time and peak memory of loading ``known`` known values and checking a ``rows``-row segment."""
    from sehat.release.checks import known_pii_values, pii_check

    with tempfile.TemporaryDirectory(prefix="sehat-pii-gate-") as tmp:
        db = Path(tmp) / "known.duckdb"
        _known_values_db(db, known)
        with duckdb.connect(str(db), read_only=True) as con:
            values, load_s, load_mb = _measured(lambda: known_pii_values(con))  # read and prepared once
            segment = _segment(con, rows)
    free_text = segment.assign(note=[f"order {10**8 + i} of {i % 7 + 1} items" for i in range(rows)])
    figures = {
        "known_values": values.count, "known_phones": known, "known_emails": known, "rows": rows,
        "load_known_s": round(load_s, 2), "load_known_peak_mb": None if load_mb is None else round(load_mb, 1),
    }
    for name, frame in (("segment", segment), ("free_text", free_text)):
        result, seconds, peak = _measured(lambda frame=frame: pii_check(frame, known=values))
        figures[name] = {"columns": list(frame.columns), "check_s": round(seconds, 2),
                         "peak_mb": None if peak is None else round(peak, 1),
                         "passed": result["success"], "observed": result["observed"]}
    figures["data"] = "generated: +62 8xx mobile phones, random md5 keys (no real customer data)"
    return figures
