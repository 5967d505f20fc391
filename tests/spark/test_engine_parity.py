"""One generated day built on DuckDB (in process) and on Spark (the Airflow DAGs through
``airflow dags test`` with SEHAT_ENGINE=spark): every mart is the same, and the gate and the
publication on the Spark path read what Spark built."""

from __future__ import annotations

from datetime import date

import pytest

from sehat.config import sehat_home

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def engines(tmp_path_factory, require_spark):
    from sehat.daily import run_day
    from sehat.generate import GenerateConfig, generate
    from sehat.orchestrate import airflow_env, run_day_dags_test

    root = tmp_path_factory.mktemp("engines")
    sources = root / "sources"
    generate(GenerateConfig(customers=300, days=1, start=DAY, seed=7, data_dir=sources))
    homes = {}
    with sehat_home(root / "duckdb", SEHAT_DATA_DIR=str(sources), SEHAT_ENGINE="duckdb") as cfg:
        run_day(DAY, log=lambda _: None)
        homes["duckdb"] = cfg
    with sehat_home(root / "spark", SEHAT_DATA_DIR=str(sources), SEHAT_ENGINE="spark") as cfg:
        result = run_day_dags_test(DAY, cfg, env=airflow_env(cfg))
        assert result.ok, result.failure_report()
        homes["spark"] = cfg
    return homes


def test_every_mart_is_the_same_on_duckdb_and_spark(engines):
    from sehat.transform.parity import compare

    results = compare(engines["duckdb"].warehouse_path, engines["spark"].warehouse_path,
                      ("marts", "restricted"))
    names = {r.relation for r in results}
    # the customer view, the prescription and consultation marts and the segments are all there
    assert {"marts.dim_customers", "marts.fct_prescriptions", "marts.fct_prescription_medicines",
            "marts.fct_consultation_sentences", "marts.seg_consulted_no_order_30d",
            "marts.fct_segment_memberships_daily", "restricted.dim_customer_pii"} <= names
    differing = [r for r in results if not r.equal]
    assert not differing, "\n".join(
        f"{r.relation}: {r.rows_left} rows on DuckDB, {r.rows_right} on Spark, {r.only_left} only on DuckDB, "
        f"{r.only_right} only on Spark, columns only on one side {r.columns_only_left} / {r.columns_only_right}"
        for r in differing
    )
    assert any(r.rows_left for r in results if r.relation == "marts.dim_customers")


def test_spark_built_the_marts_and_the_gate_published_them(engines):
    import duckdb

    from sehat.transform.spark import table_location

    cfg = engines["spark"]
    assert list(table_location(cfg, "marts", "dim_customers").glob("*.parquet")), "Spark wrote no Parquet"
    published = sorted(p.name for p in (cfg.publish_dir / "segments").iterdir())
    assert "consulted_no_order_30d" in published
    with duckdb.connect(str(engines["duckdb"].reader_path), read_only=True) as d, \
            duckdb.connect(str(cfg.reader_path), read_only=True) as s:
        query = "SELECT count(*) FROM marts.seg_consulted_no_order_30d"
        assert d.sql(query).fetchone() == s.sql(query).fetchone()
