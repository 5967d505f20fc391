"""A day on which prescriptions, chat messages, orders and CleverTap events are all empty: every model
builds and every test passes, on DuckDB and on Spark.

Three small generated days are loaded into raw (production tables, CleverTap events, SAPE labels), then the
four sources are emptied: their tables exist with no row, as after a day on which nothing came in.
The users, doctors, consultations, catalogue and labels stay, so the models that join an empty source
to a full one are exercised too. One build per engine; the Spark build reads a copy of the same raw file.
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from sehat.config import sehat_home

pytestmark = pytest.mark.e2e

START, DAY = date(2026, 11, 1), date(2026, 11, 3)
EMPTIED = ("raw.prod_prescriptions", "raw.prod_chat_messages", "raw.prod_orders", "raw.clevertap_events")


@pytest.fixture(scope="module")
def empty_day(tmp_path_factory):
    """(sources dir, raw warehouse file with the four sources empty)."""
    from sehat.daily import days_between, extract_production, ingest_clevertap, load_labels
    from sehat.generate import GenerateConfig, generate

    root = tmp_path_factory.mktemp("empty_day")
    sources = root / "sources"
    generate(GenerateConfig(customers=200, days=(DAY - START).days + 1, start=START, seed=11, data_dir=sources))
    with sehat_home(root / "raw", SEHAT_DATA_DIR=str(sources), SEHAT_ENGINE="duckdb") as cfg:
        for day in days_between(START, DAY):
            for step in (ingest_clevertap, extract_production, load_labels):
                step(day, cfg)
        with duckdb.connect(str(cfg.warehouse_path)) as con:
            assert all(con.sql(f"SELECT count(*) FROM {t}").fetchone()[0] for t in EMPTIED), "nothing to empty"
            for table in EMPTIED:
                con.execute(f"DELETE FROM {table}")
            assert con.sql("SELECT count(*) FROM raw.prod_consultations").fetchone()[0]
        return sources, cfg.warehouse_path


def _build(empty_day, home, engine: str):
    from sehat.transform.dbt import dbt_build

    sources, raw = empty_day
    with sehat_home(home, SEHAT_DATA_DIR=str(sources), SEHAT_ENGINE=engine) as cfg:
        cfg.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(raw, cfg.warehouse_path)
        result = dbt_build(vars={"as_of_date": DAY.isoformat()}, cfg=cfg, target_path=home / "target",
                           on_line=lambda _: None)
        with duckdb.connect(str(cfg.warehouse_path), read_only=True) as con:
            counts = {name: con.sql(f"SELECT count(*) FROM marts.{name}").fetchone()[0]
                      for name in ("fct_prescriptions", "fct_consultation_sentences", "dim_customers")}
    return result, counts


def _assert_all_built(result, counts):
    assert result.ok, result.summary()
    assert result.models > 50 and result.models_failed == 0 and result.tests_failed == 0, result.summary()
    assert result.skipped == 0, result.summary()
    # the empty sources give empty marts, the full ones still give customers
    assert counts["fct_prescriptions"] == 0 and counts["fct_consultation_sentences"] == 0
    assert counts["dim_customers"] > 0


def test_a_day_with_empty_sources_builds_on_duckdb(empty_day, tmp_path):
    _assert_all_built(*_build(empty_day, tmp_path / "duckdb", "duckdb"))


@pytest.mark.spark
@pytest.mark.timeout(1800)  # ~4 min alone; a whole-project dbt build on Spark passed 15 min on a loaded 2-core machine
def test_a_day_with_empty_sources_builds_on_spark(empty_day, tmp_path):
    from tests.spark.conftest import _require_spark

    _require_spark()
    _assert_all_built(*_build(empty_day, tmp_path / "spark", "spark"))
