"""stg_clevertap__events is incremental: days landed out of order, a re-delivered event and a
re-landed day that lost an event give the same table as a build from scratch."""

from __future__ import annotations

import duckdb
import pytest

from sehat.transform.dbt import dbt_build
from sehat.warehouse import table_checksum
from tests.dbt.conftest import create_raw_warehouse

pytestmark = pytest.mark.e2e  # several dbt builds of the project, in and out of order

MODEL = "stg_clevertap__events"
TABLE = f"staging.{MODEL}"
# held back at first and landed after the later days: 11-02 holds the first copy of e-dup,
# whose re-delivery on 11-03 is then already built
HELD = ("2025-11-02", "2025-11-12", "2025-11-16")


def build(warehouse, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SEHAT_HOME", str(tmp_path))
    monkeypatch.setenv("SEHAT_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "empty")  # the model alone: its tests read other models
    dbt_build(select=MODEL, target_path=tmp_path / "target", on_line=lambda _l: None)


def test_incremental_runs_out_of_order_equal_a_build_from_scratch(tmp_path, monkeypatch):
    warehouse = create_raw_warehouse(tmp_path / "incremental" / "sehat.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table raw.held as select * from raw.clevertap_events"
                    " where cast(export_date as varchar) in ?", [HELD])
        con.execute("delete from raw.clevertap_events where cast(export_date as varchar) in ?", [HELD])
    build(warehouse, tmp_path, monkeypatch)
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(f"select export_date from {TABLE} where event_key = 'e-dup'").fetchone()[0].isoformat() \
            == "2025-11-03"
        # the held days land (a later load), and day 11-10 is re-landed without its only event
        con.execute("insert into raw.clevertap_events select * replace (loaded_at + interval 30 day as loaded_at)"
                    " from raw.held")
        con.execute("delete from raw.clevertap_events where export_date = '2025-11-10'")
    build(warehouse, tmp_path, monkeypatch)

    with duckdb.connect(str(warehouse)) as con:
        incremental = table_checksum(con, TABLE)
        dup = con.execute(f"select export_date, is_late_arrival from {TABLE} where event_key = 'e-dup'").fetchall()
        keys = {r[0] for r in con.execute(f"select event_key from {TABLE}").fetchall()}
        con.execute(f"drop table {TABLE}")  # what --full-refresh does (same file: dbt's partial parse holds)
    build(warehouse, tmp_path, monkeypatch)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert table_checksum(con, TABLE) == incremental
    assert [(d.isoformat(), late) for d, late in dup] == [("2025-11-02", False)]  # the earliest copy won
    assert "e-c1" not in keys and {"e-a3", "e-b2", "e-b4"} <= keys
