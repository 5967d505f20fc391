"""The CleverTap side of the contract: known events and how files are named.

The generator writes these events and the loader accepts only these (an unknown
event name is quarantined with the reason ``unknown_event``). Add an event here
and both sides learn it.
"""

from __future__ import annotations

import re
from datetime import date

# event name -> (delivery format, property names the app sends)
#   "export": CleverTap cloud export (gzipped JSON lines, camelCase keys)
#   "api":    Get Events API pages (snake_case keys; event name is the one requested)
EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "App Launched": ("export", ()),
    "Search": ("export", ("query", "results")),
    "Product Viewed": ("export", ("product_id", "product_name", "category", "price")),
    "Added To Cart": ("export", ("product_id", "quantity", "price")),
    "Charged": ("export", ("order_id", "amount", "items")),
    "Consultation Booked": ("export", ("consultation_id", "doctor_id", "speciality", "fee")),
    "Lab Test Booked": ("export", ("booking_id", "lab_test_id", "price")),
    "Appointment Booked": ("export", ("appointment_id", "speciality", "hospital")),
    "Content Viewed": ("export", ("content_id", "content_type", "placement")),
    "Content Clicked": ("export", ("content_id", "content_type", "placement")),
    "Experiment Viewed": ("export", ("experiment_id", "variant")),
    "Notification Sent": ("api", ("campaign_id", "campaign_type", "content_id")),
    "Notification Viewed": ("api", ("campaign_id", "campaign_type", "content_id")),
    "Notification Clicked": ("api", ("campaign_id", "campaign_type", "content_id")),
}

EXPORT_EVENTS = tuple(e for e, (fmt, _) in EVENTS.items() if fmt == "export")
API_EVENTS = tuple(e for e, (fmt, _) in EVENTS.items() if fmt == "api")

# <export id>-<timestamp>-<event name>-<yyyymmdd>-<file index>-<db id>.json.gz
# The event name has its spaces replaced by underscores (it may not contain '-').
EXPORT_NAME = re.compile(
    r"^(?P<export_id>\d+)-(?P<timestamp>\d+)-(?P<event>[^-]+)-(?P<day>\d{8})-(?P<index>\d+)-(?P<db_id>\d+)\.json\.gz$"
)


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
