"""The daily steps in one process on a small generated sample: counts reconcile with what the
generator wrote, and the customer view and the segment are built. (Re-running days, in and out of
order, is tests/failure/test_idempotence.py.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sehat.config import settings
from sehat.daily import run_day
from sehat.generate import GenerateConfig, generate
from sehat.release.exports import current_publication
from sehat.warehouse import restricted_reader, writer

pytestmark = pytest.mark.e2e  # builds a whole world (generated sample + ingest + dbt build)

pytestmark = pytest.mark.e2e  # generates a sample and builds the warehouse with dbt

START = date(2026, 11, 1)
DAYS = 1
TIMEZONE = "Asia/Kolkata"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("pipeline")
        for var in ("SEHAT_DATA_DIR", "SEHAT_WAREHOUSE", "SEHAT_READER", "SEHAT_PUBLISH_DIR", "SEHAT_PRODUCTION_URL"):
            mp.delenv(var, raising=False)
        mp.setenv("SEHAT_HOME", str(home))
        # an account in India: CleverTap writes ts at +05:30 (the failure world stays UTC, the default)
        mp.setenv("SEHAT_CLEVERTAP_TIMEZONE", TIMEZONE)
        cfg = settings()
        summary = generate(GenerateConfig(customers=400, days=DAYS, start=START, seed=5, data_dir=cfg.data_dir,
                                          timezone=TIMEZONE))
        # one day more than generated: the last day's late events arrive in the next day's export
        runs = [run_day(START + timedelta(days=i), cfg, log=lambda _: None) for i in range(DAYS + 1)]
        yield cfg, summary, runs


def test_clevertap_counts_reconcile_with_the_generator(warehouse):
    cfg, summary, _ = warehouse
    with writer(cfg) as con:
        read, loaded, quarantined = con.execute(
            "SELECT sum(read), sum(loaded), sum(quarantined) FROM raw.load_log WHERE source = 'clevertap'"
        ).fetchone()
        dupes = con.execute("SELECT count(*) FROM raw.clevertap_quarantine WHERE reason = 'duplicate'").fetchone()[0]
    export, api = summary["export"], summary["api"]
    assert read == export["lines"] + api["records"]
    assert read == loaded + quarantined
    assert quarantined - dupes == export["malformed_total"]
    assert dupes == export["duplicates"]


def test_customer_view_has_every_user_once_and_the_segment_is_published(warehouse):
    cfg, summary, runs = warehouse
    with restricted_reader(cfg) as con:
        users = con.execute("SELECT count(*) FROM staging.stg_production__users").fetchone()[0]
        in_view = con.execute(
            "SELECT count(DISTINCT user_id) FROM marts.dim_customers WHERE user_id IS NOT NULL").fetchone()[0]
        anonymous = con.execute("SELECT count(*) FROM marts.dim_customers WHERE user_id IS NULL").fetchone()[0]
        segment = con.execute("SELECT count(*) FROM marts.seg_consulted_no_order_30d").fetchone()[0]
    assert users == summary["production"]["users"]
    assert in_view == users
    assert anonymous > 0  # devices that never logged in stay their own customers
    live = current_publication("consulted_no_order_30d", cfg)
    assert live["as_of"] == (START + timedelta(days=DAYS)).isoformat()
    assert live["rows"] == segment
    assert "consulted_no_order_30d" in runs[-1]["results"]["validate_segments"]["passed"]


def test_event_times_are_utc_and_custom_events_reach_the_customer_view(warehouse):
    """The generator's +05:30 ts come back as UTC; its custom events (not in the catalogue) are loaded,
    staged and counted in the customers' events."""
    from sehat.generate.clevertap import CUSTOM_EVENTS

    cfg, _, _ = warehouse
    with writer(cfg) as con:
        shifts = con.execute("SELECT DISTINCT event_ts_local - event_ts FROM raw.clevertap_events").fetchall()
        custom = dict(con.execute("SELECT event_name, count(*) FROM staging.stg_clevertap__events"
                                  " WHERE event_name IN ? GROUP BY ALL", [list(CUSTOM_EVENTS)]).fetchall())
        counted = con.execute("SELECT sum(n_events) FROM marts.dim_customers").fetchone()[0]
        staged = con.execute("SELECT count(*) FROM staging.stg_clevertap__events").fetchone()[0]
    assert [str(s) for (s,) in shifts] == ["5:30:00"]
    assert set(custom) == set(CUSTOM_EVENTS) and all(custom.values())
    assert counted == staged
