"""Errors a user can fix, and the parsing of what users type.

Raise :class:`SehatError` for an expected problem (bad input, missing file, nothing
loaded yet, another writer running): the ``sehat`` command line prints its message as
one line, ``error: ...``, with what to do, and exits 1; the traceback shows only under
``sehat --debug``. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from datetime import date, datetime


class SehatError(Exception):
    """An expected error, told to the user in one line (the message says what to do)."""


def parse_day(value: str | date, option: str = "date") -> date:
    """``YYYY-MM-DD`` -> date; anything else is a :class:`SehatError` naming ``option``."""
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise SehatError(f"{option} {value!r} is not a date like 2026-11-01 (YYYY-MM-DD)") from None


def day_range(start: str | date, end: str | date) -> list[date]:
    """Every day from ``start`` to ``end`` inclusive; ``end`` before ``start`` is a :class:`SehatError`."""
    first, last = parse_day(start, "--start"), parse_day(end, "--end")
    if last < first:
        raise SehatError(f"--end {last} is before --start {first}: give the earlier day as --start")
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
