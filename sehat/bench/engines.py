"""The same generated day built by dbt on DuckDB and on Spark local: seconds per stage and per layer.

One day of ``customers`` is generated and ingested once (the ingest is the same code on both
paths); the ingested warehouse file is copied to two homes, and each builds the whole dbt project:
DuckDB in its file, Spark from the Parquet lake (lake sync, dbt on Spark, the import back into the
DuckDB file, the profile snapshot on DuckDB). Per layer the seconds are the sum of dbt's own
execution times of the nodes of that layer (``run_results.json``). The marts of both homes are then
compared (:mod:`sehat.transform.parity`), so a figure never comes from a build that differs.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sehat.transform.dbt import DbtResult

DAY = date(2026, 11, 1)


def layer_seconds(result: DbtResult) -> dict[str, float]:
    """dbt's execution time summed per layer (staging, intermediate, marts, seeds, tests)."""
    out: dict[str, float] = {}
    for node in result.nodes:
        if node.resource_type == "model":
            layer = {"stg": "staging", "int": "intermediate"}.get(node.name.split("_", 1)[0], "marts")
        elif node.resource_type in ("test", "unit_test"):
            layer = "tests"
        else:
            layer = node.resource_type + "s"
        out[layer] = round(out.get(layer, 0.0) + node.seconds, 2)
    return out


def bench_engines(customers: int, root: Path, spark_memory: str = "6g",
                  log: Callable[[str], None] = print) -> dict:
    from sehat.config import sehat_home
    from sehat.daily import extract_production, ingest_clevertap, load_labels
    from sehat.generate import GenerateConfig, generate
    from sehat.transform.dbt import dbt_build
    from sehat.transform.parity import compare

    figures: dict = {"customers": customers, "day": DAY.isoformat(), "spark_driver_memory": spark_memory}
    with sehat_home(root / "ingested") as cfg:
        t = time.perf_counter()
        generated = generate(GenerateConfig(customers=customers, days=1, start=DAY, seed=7, data_dir=cfg.data_dir))
        figures["generate_seconds"] = round(time.perf_counter() - t, 1)
        figures["events"] = generated["export"]["lines"] + generated["api"]["records"]
        t = time.perf_counter()
        for step in (ingest_clevertap, extract_production, load_labels):
            step(DAY, cfg)
        figures["ingest_seconds"] = round(time.perf_counter() - t, 1)
        log(f"generated and ingested {figures['events']:,} events of {customers:,} customers")
        data_dir, ingested = cfg.data_dir, cfg.warehouse_path

    homes = {}
    for engine in ("duckdb", "spark"):
        home = root / engine
        (home / "warehouse").mkdir(parents=True)
        shutil.copy2(ingested, home / "warehouse" / ingested.name)
        with sehat_home(home, SEHAT_DATA_DIR=str(data_dir), SEHAT_SPARK_DRIVER_MEMORY=spark_memory) as cfg:
            log(f"dbt build on {engine} ...")
            t = time.perf_counter()
            result = dbt_build(target=engine, vars={"as_of_date": DAY.isoformat()}, cfg=cfg,
                               target_path=home / "target", on_line=lambda _line: None)
            wall = time.perf_counter() - t
            figures[engine] = {
                "build_seconds": round(wall, 1),
                "stages": result.stages or {"dbt": round(result.elapsed_seconds, 2)},
                "layers": layer_seconds(result),
                "models": result.models,
                "tests_passed": result.tests_passed,
            }
            log(f"  {engine}: {wall:.1f}s {figures[engine]['stages']}")
            homes[engine] = cfg.warehouse_path

    parity = compare(homes["duckdb"], homes["spark"], ("marts", "restricted"))
    figures["parity"] = {
        "relations": len(parity),
        "differing": [r.relation for r in parity if not r.equal],
    }
    figures["spark_over_duckdb"] = round(figures["spark"]["build_seconds"] / figures["duckdb"]["build_seconds"], 1)
    return figures
