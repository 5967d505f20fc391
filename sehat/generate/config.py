"""The generator's configuration and its seeded random streams."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np


@dataclass(frozen=True)
class GenerateConfig:
    """What to generate. Same config (and seed) -> byte-identical files and identical tables.

    ``production_url`` ``None`` means the SQLite file ``data_dir/production/production.sqlite``.
    ``production_schema`` (PostgreSQL only) defaults to the ``search_path`` given in the URL's
    ``options`` (``?options=-csearch_path%3Dsehat``), else ``public``.
    """

    customers: int = 2000
    days: int = 7
    start: date = date(2026, 11, 1)
    seed: int = 42
    data_dir: Path = Path(".sehat/data")
    production_url: str | None = None
    production_schema: str | None = None
    chunk_lines: int = 50_000  # max lines per cloud-export file
    api_page_size: int = 5_000  # records per Get Events API page
    late_share: float = 0.03  # share of a day's export events landing in the next day's files
    duplicate_share: float = 0.01  # extra identical copies of export lines
    malformed_share: float = 0.002  # export lines corrupted (see clevertap.MALFORMED_KINDS)
    alt_spelling_share: float = 0.02  # export lines using event_props / sessionProps spellings
    # The CleverTap account's time zone: ``ts`` is written in it, as CleverTap does (the loader
    # reads it from SEHAT_CLEVERTAP_TIMEZONE). Export days stay UTC days.
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.customers < 10 or self.days < 1:
            raise ValueError("need at least 10 customers and 1 day")
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "production" / "production.sqlite"

    @property
    def url(self) -> str:
        """The production database URL actually written."""
        return self.production_url or f"sqlite:///{self.sqlite_path}"

    @property
    def schema(self) -> str:
        """PostgreSQL schema receiving the production tables."""
        if self.production_schema:
            return self.production_schema
        options = parse_qs(urlsplit(self.url).query).get("options", [""])[0]
        for part in unquote(options).split():
            if part.startswith("-csearch_path="):
                return part.split("=", 1)[1].split(",")[0]
        return "public"

    @property
    def start_epoch(self) -> int:
        return day_epoch(self.start)

    @property
    def end_epoch(self) -> int:
        """First second after the generated period."""
        return day_epoch(self.start + timedelta(days=self.days))

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)


def day_epoch(day: date) -> int:
    """Unix seconds at 00:00 UTC of ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def rng(seed: int, *names: str | int) -> np.random.Generator:
    """An independent random stream per (seed, component, ...), stable across runs.

    Separate streams keep a change in one component from reshuffling all others.
    """
    keys = [seed] + [zlib.crc32(n.encode()) if isinstance(n, str) else int(n) for n in names]
    return np.random.default_rng(keys)
