"""Published segments: which dbt model backs each one and what it may contain.

A segment is computed by a dbt model (``marts.seg_<name>``), validated by the
gate (``sehat.gate``) and published as files (``sehat.publish``). The allowed
columns are an allow-list: anything else (a PII column added by mistake, say)
fails the gate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    name: str
    relation: str  # the dbt model in the warehouse snapshot
    key: str  # one row per key
    columns: tuple[str, ...]  # exactly these columns are published
    destination: str  # who consumes the file drop
    max_size_change: float = 10.0  # rows may grow or shrink at most this factor between publications


SEGMENTS: dict[str, Segment] = {
    s.name: s
    for s in [
        Segment(
            name="consulted_no_order_30d",
            relation="marts.seg_consulted_no_order_30d",
            key="customer_key",
            columns=("customer_key", "user_id", "last_consultation_at", "days_since_consultation", "as_of_date"),
            destination="campaigns: follow-up offer for medicines after a consultation",
        )
    ]
}


def get_segment(name: str) -> Segment:
    try:
        return SEGMENTS[name]
    except KeyError:
        raise KeyError(f"unknown segment {name!r}; known: {', '.join(sorted(SEGMENTS))}") from None
