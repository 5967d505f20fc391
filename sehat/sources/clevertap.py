"""The CleverTap side of the contract: the event catalogue and how files are named.

The **event catalogue** is one file, ``dbt_project/seeds/clevertap/clevertap_event_catalogue.csv``
(a dbt seed, ``seeds.clevertap_event_catalogue``): one line per event the platform knows,
with its delivery format and the property names the app sends. The generator writes
these events, the staging model flags every other name as a custom event, and the tests
read the same file. Adding an event is one line there.

The loader accepts **every** well-formed event, whatever its name: a real account has
dozens to hundreds of custom events (``UTM Visited``, ...). Events missing from the
catalogue land like the others (name, identity, time, properties as JSON) and are
counted per name in the load log (``custom_events``).
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from sehat.config import DBT_PROJECT_DIR

CATALOGUE_PATH = DBT_PROJECT_DIR / "seeds" / "clevertap" / "clevertap_event_catalogue.csv"


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, tuple[str, tuple[str, ...]]]:
    """event name -> (delivery format, property names), in the file's order.

    delivery: ``export`` (CleverTap cloud export: gzipped JSON lines, camelCase keys) or
    ``api`` (Get Events API pages: snake_case keys; the event name is the one requested).
    """
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    events: dict[str, tuple[str, tuple[str, ...]]] = {}
    for row in rows:
        name, delivery = row["event_name"].strip(), row["delivery"].strip()
        if delivery not in ("export", "api"):
            raise ValueError(f"{path}: event {name!r} has delivery {delivery!r} (export or api)")
        if name in events:
            raise ValueError(f"{path}: event {name!r} is listed twice")
        events[name] = (delivery, tuple((row["properties"] or "").split()))
    return events


EVENTS: dict[str, tuple[str, tuple[str, ...]]] = load_catalogue()

EXPORT_EVENTS = tuple(e for e, (fmt, _) in EVENTS.items() if fmt == "export")
API_EVENTS = tuple(e for e, (fmt, _) in EVENTS.items() if fmt == "api")

# <export id>-<timestamp>-<event name>-<yyyymmdd>-<file index>-<db id>.json.gz
# The event name has its spaces replaced by underscores. A real account's event name may
# contain '-' (``Sign-Up``): the name is what lies between the first two and the last three
# fields. Anything else in the landing folder (``.JSON.GZ``, a missing field) is reported
# by the loader as an unrecognised file, never silently skipped.
EXPORT_NAME = re.compile(
    r"^(?P<export_id>\d+)-(?P<timestamp>\d+)-(?P<event>.+)-(?P<day>\d{8})-(?P<index>\d+)-(?P<db_id>\d+)\.json\.gz$"
)
# API pages: api/<yyyymmdd>/<Event_Name>/page-<n>.json
API_PAGE_NAME = re.compile(r"^page-(?P<page>\d+)\.json$")


def event_slug(event_name: str) -> str:
    return event_name.replace(" ", "_")


def export_file_name(export_id: int, timestamp: int, event_name: str, day: date, index: int, db_id: int) -> str:
    return f"{export_id}-{timestamp}-{event_slug(event_name)}-{day:%Y%m%d}-{index}-{db_id}.json.gz"


def export_glob(day: date) -> str:
    """Glob matching every export chunk of one export day."""
    return f"*-*-*-{day:%Y%m%d}-*-*.json.gz"


def api_page_dir(root, day: date, event_name: str):
    """Directory holding the Get Events API pages fetched for one (day, event)."""
    return root / f"{day:%Y%m%d}" / event_slug(event_name)
