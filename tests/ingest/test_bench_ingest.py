"""``sehat bench ingest``'s comparison with the DuckDB ceiling, on a small generated day."""

from __future__ import annotations

from datetime import date
from statistics import median

from sehat.bench.warehouse import bench_clevertap_ingest
from sehat.generate import GenerateConfig, generate

DAY = date(2026, 11, 1)


def test_ingest_and_ceiling_alternate_and_the_medians_are_compared(sehat_home):
    cfg = sehat_home
    generate(GenerateConfig(customers=300, days=1, start=DAY, seed=3, data_dir=cfg.data_dir))
    figures = bench_clevertap_ingest(cfg, [DAY], pandas_sample_files=2, repeats=3)

    ingest, ceiling = figures["sehat_seconds_per_repeat"], figures["duckdb_read_json_seconds_per_repeat"]
    assert (figures["repeats"] == len(ingest) == len(ceiling)
            == len(figures["sehat_ingest_vs_duckdb_ceiling_per_repeat"]) == 3)
    assert abs(figures["sehat_seconds"] - median(ingest)) <= 0.01
    assert abs(figures["duckdb_read_json_seconds"] - median(ceiling)) <= 0.002
    assert abs(figures["sehat_ingest_vs_duckdb_ceiling"] - median(ceiling) / median(ingest)) < 0.01
    # the ingest also reads the API pages, which the ceiling does not
    assert figures["records_read"] > figures["export_lines"] > 0
    assert not (cfg.home / "bench_ceiling.duckdb").exists()
