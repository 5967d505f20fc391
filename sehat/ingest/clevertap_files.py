"""The landing files of CleverTap export days: what is there, what was loaded, what to say about it.

Every file of a loaded day is recorded in ``raw.clevertap_files`` (day, format, relative
path, size, md5 checksum, when loaded). From it:

* :func:`shrink_check`: a rerun must not replace a loaded day with fewer files than its last
  load (:class:`ShrinkRefused`, unless shrinking is allowed, then the decision is a warning);
* :func:`late_files`: files that landed for an already-loaded day (new, or their size changed)
  are found by the next run, which reloads that day;
* :func:`unrecognised_files` and :func:`broken_cursor_chains`: names the loader does not read,
  and Get Events API page chains with a gap or a dangling ``next_cursor``, become warnings
  (load log, ``sehat status``, alerts), never a silent skip.

Used by :mod:`sehat.ingest.clevertap`; the rules are in docs/design.md ("Landing files and reruns").
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from pathlib import Path

import duckdb

from sehat.config import Settings
from sehat.sources.clevertap import API_PAGE_NAME, EXPORT_NAME

log = logging.getLogger(__name__)

SOURCE = "clevertap"


class ShrinkRefused(RuntimeError):
    """A rerun would load fewer landing files for a day than its last load did."""


def relative(path: Path, root: Path) -> str:
    """``path`` relative to the landing root (how files are named in raw), else as given."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def landed_files(cfg: Settings) -> dict[str, tuple[date, str, int]]:
    """Every recognised landing file: relative path -> (export day, format, size in bytes)."""
    root = cfg.data_dir
    files: dict[str, tuple[date, str, int]] = {}
    if cfg.clevertap_export_dir.is_dir():
        for entry in os.scandir(cfg.clevertap_export_dir):
            m = EXPORT_NAME.match(entry.name)
            if m and entry.is_file():
                day = _day_or_none(m["day"])
                if day:
                    files[relative(Path(entry.path), root)] = (day, "export", entry.stat().st_size)
    if cfg.clevertap_api_dir.is_dir():
        for page in cfg.clevertap_api_dir.glob("*/*/page-*.json"):
            day = _day_or_none(page.parent.parent.name)
            if day and API_PAGE_NAME.match(page.name):
                files[relative(page, root)] = (day, "api", page.stat().st_size)
    return files


def _day_or_none(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def track_loaded_days_as_seen(con: duckdb.DuckDBPyConnection, landed: dict[str, tuple[date, str, int]]) -> None:
    """A warehouse loaded before files were tracked: take the files of its loaded days as seen."""
    loaded = {r[0] for r in con.execute("SELECT batch_date FROM raw.load_log WHERE source = ?", [SOURCE]).fetchall()}
    rows = [(d, fmt, f, size) for f, (d, fmt, size) in landed.items() if d in loaded]
    if rows:
        log.warning("CleverTap: tracking the %d landing files of %d already-loaded days from now on",
                    len(rows), len(loaded))
        con.executemany("INSERT INTO raw.clevertap_files VALUES (?, ?, ?, ?, NULL, NULL)", rows)


def late_files(con: duckdb.DuckDBPyConnection, landed: dict[str, tuple[date, str, int]],
                day: date) -> dict[date, list[str]]:
    """Files new (or changed in size) since their day, another already-loaded day, was loaded."""
    loaded = {r[0] for r in con.execute("SELECT batch_date FROM raw.load_log WHERE source = ?", [SOURCE]).fetchall()}
    seen = {(r[0], r[1]) for r in con.execute("SELECT source_file, size FROM raw.clevertap_files").fetchall()}
    late: dict[date, list[str]] = {}
    for f, (d, _fmt, size) in sorted(landed.items()):
        if d != day and d in loaded and (f, size) not in seen:
            late.setdefault(d, []).append(f)
    return late


def shrink_check(con: duckdb.DuckDBPyConnection, day: date, files: list[str], allow_shrink: bool) -> str | None:
    """Refuse to replace a loaded day with fewer files than its last load; the decision as a warning when allowed."""
    before = {r[0] for r in con.execute("SELECT source_file FROM raw.clevertap_files WHERE export_date = ?",
                                        [day]).fetchall()}
    last = con.execute("SELECT read, detail->>'export_files', detail->>'api_pages' FROM raw.load_log"
                       " WHERE source = ? AND batch_date = ?", [SOURCE, day]).fetchone()
    count_before = sum(int(n or 0) for n in last[1:]) if last else 0
    missing = sorted(before - set(files))
    if not missing and len(files) >= count_before:
        return None
    message = (f"{day}: {len(files)} landing file(s) now, {max(len(before), count_before)} at its last load "
               f"({last[0] if last else 0} lines read); missing: {', '.join(missing[:5]) or 'unknown names'}")
    if not allow_shrink:
        log.error("CleverTap: refusing to shrink %s", message)
        raise ShrinkRefused(
            f"CleverTap {message}. Refusing to replace the loaded day with less: restore the files, or rerun "
            "with --allow-shrink (SEHAT_CLEVERTAP_ALLOW_SHRINK=1, DAG param allow_shrink) to accept the loss.")
    return f"shrink allowed: {message}"


def record_files(con: duckdb.DuckDBPyConnection, day: date, paths: list[Path], root: Path,
                  notes: dict[str, dict], now: datetime) -> None:
    """The day's landing files, as loaded, replace the day's rows in ``raw.clevertap_files``."""
    rows = []
    for p in paths:
        rel = relative(p, root)
        n = notes.get(rel, {})
        rows.append((rel, "api" if n.get("api") else "export", n.get("size", 0), n.get("checksum")))
    con.execute("DELETE FROM raw.clevertap_files WHERE export_date = ?", [day])
    if rows:
        con.executemany("INSERT INTO raw.clevertap_files VALUES (?, ?, ?, ?, ?, ?)",
                        [(day, fmt, rel, size, checksum, now) for rel, fmt, size, checksum in rows])


def unrecognised_files(cfg: Settings, day: date) -> list[str]:
    """Files in the landing folders the loader does not read (never skipped without a word)."""
    root = cfg.data_dir
    odd = []
    if cfg.clevertap_export_dir.is_dir():
        odd += [relative(Path(e.path), root) for e in os.scandir(cfg.clevertap_export_dir)
                if not EXPORT_NAME.match(e.name) and not e.name.startswith(".")]
    day_dir = cfg.clevertap_api_dir / f"{day:%Y%m%d}"
    if day_dir.is_dir():
        for entry in day_dir.iterdir():
            if entry.is_dir():
                odd += [relative(p, root) for p in entry.iterdir()
                        if not API_PAGE_NAME.match(p.name) and not p.name.startswith(".")]
            elif not entry.name.startswith("."):
                odd.append(relative(entry, root))
    return [f"unrecognised file in the landing folder (not loaded): {f}" for f in sorted(odd)]


def broken_cursor_chains(api_pages: list[Path], root: Path, notes: dict[str, dict]) -> list[str]:
    """An API page chain is page-0001..N, each page's next_cursor set but the last's."""
    chains: dict[Path, list[tuple[int, bool | None]]] = {}
    for p in api_pages:
        chains.setdefault(p.parent, []).append((int(API_PAGE_NAME.match(p.name)["page"]),
                                                notes.get(relative(p, root), {}).get("next_cursor")))
    broken = []
    for folder, pages in sorted(chains.items()):
        pages.sort()
        numbers = [n for n, _ in pages]
        problems = []
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(f"pages {numbers[:10]} are not 1..{len(numbers)}")
        if pages[-1][1]:
            problems.append(f"page {pages[-1][0]} has a next_cursor but no page follows")
        if any(c is False for _, c in pages[:-1]):
            problems.append("a page before the last has no next_cursor")
        if problems:
            broken.append(f"broken API page chain {relative(folder, root)}: {'; '.join(problems)}")
    return broken
