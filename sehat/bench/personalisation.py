"""Personalisation benchmarks: association rules and the customer view + segments rebuild.

Both return a dict of figures; ``sehat bench personalisation`` prints them and
writes ``benchmarks/results/{association_rules,customer_view}.json``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import numpy as np


def synthetic_baskets(n_baskets: int = 10_000, n_items: int = 170, n_themes: int = 25,
                      seed: int = 0) -> list[list[str]]:
    """Baskets with Zipf-popular items plus planted themes (3-4 items bought together)."""
    rng = np.random.default_rng(seed)
    popularity = 1 / np.arange(1, n_items + 1) ** 0.9
    popularity /= popularity.sum()
    themes = [rng.choice(n_items, size=rng.integers(3, 5), replace=False) for _ in range(n_themes)]
    baskets = []
    for _ in range(n_baskets):
        size = 1 + rng.poisson(1.8)
        items = set(rng.choice(n_items, size=size, p=popularity).tolist())
        if rng.random() < 0.35:
            theme = themes[rng.integers(n_themes)]
            items |= set(theme[rng.random(len(theme)) < 0.85].tolist())
        baskets.append([f"P{i:03d}" for i in sorted(items)])
    return baskets


def bench_association_rules(n_baskets: int = 10_000, n_items: int = 170, min_support: float = 0.001,
                            min_confidence: float = 0.5) -> dict:
    from ml.recommendations.association import AssociationRules

    baskets = synthetic_baskets(n_baskets, n_items)
    t = time.perf_counter()
    model = AssociationRules(min_support=min_support, min_confidence=min_confidence).fit(baskets)
    seconds = time.perf_counter() - t
    return {
        "baskets": n_baskets,
        "items": len({i for b in baskets for i in b}),
        "mean_basket_size": round(float(np.mean([len(b) for b in baskets])), 2),
        "min_support": min_support,
        "min_confidence": min_confidence,
        "frequent_itemsets": len(model.itemsets_),
        "rules": len(model.rules_),
        "seconds": round(seconds, 3),
        "target_seconds": "a few seconds",
    }


def _slowest(run_results: Path, n: int = 8) -> dict:
    import json

    if not run_results.exists():
        return {}
    results = json.loads(run_results.read_text())["results"]
    top = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:n]
    return {r["unique_id"].split(".", 2)[-1][:80]: round(r["execution_time"], 1) for r in top}


def bench_customer_view(customers: int = 100_000, days: int = 3, work_dir: Path | None = None,
                        reuse: bool = False) -> dict:
    """Generate ``customers`` x ``days``, ingest them, then time the daily rebuild of the customer
    view and every segment (``dbt build`` of everything downstream of staging that they need,
    with tests), as the transform DAG runs it for the last day. ``reuse`` skips generation,
    ingest and the full build when ``work_dir`` already holds a warehouse."""
    from sehat.config import sehat_home
    from sehat.generate import GenerateConfig, generate
    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.production import extract_day
    from sehat.transform.dbt import dbt_build

    own_dir = work_dir is None
    home = Path(work_dir or tempfile.mkdtemp(prefix="sehat_bench_view_"))
    with ExitStack() as stack:
        if own_dir:
            stack.callback(shutil.rmtree, home, ignore_errors=True)
        cfg = stack.enter_context(sehat_home(home))
        start = date(2026, 11, 1)
        as_of = (start + timedelta(days=days - 1)).isoformat()
        generate_s = ingest_s = first_s = None
        first = None
        if not (reuse and cfg.warehouse_path.exists()):
            t = time.perf_counter()
            generate(GenerateConfig(customers=customers, days=days, start=start, seed=11, data_dir=cfg.data_dir))
            generate_s = time.perf_counter() - t
            t = time.perf_counter()
            for i in range(days + 1):
                ingest_day(start + timedelta(days=i), cfg)
                extract_day(start + timedelta(days=i), cfg)
            ingest_s = time.perf_counter() - t
            t = time.perf_counter()  # the whole project, as sehat_transform runs it (models, snapshot, tests)
            first = dbt_build(vars={"as_of_date": as_of}, target_path=home / "target", on_line=lambda _: None)
            first_s = time.perf_counter() - t
        # the steady state: the next day's rebuild of the customer view, segments, history and
        # snapshot (staging views exist; only the customer/segment models and their tests run)
        select = "int_identity_edges_collected+ int_as_of_date_resolved+"
        t = time.perf_counter()
        rebuild = dbt_build(select=select, vars={"as_of_date": as_of}, target_path=home / "target",
                            on_line=lambda _: None)
        rebuild_s = time.perf_counter() - t
        import duckdb

        with duckdb.connect(str(cfg.warehouse_path), read_only=True) as con:
            n_view = con.execute("SELECT count(*) FROM marts.dim_customers").fetchone()[0]
            n_events = con.execute("SELECT count(*) FROM raw.clevertap_events").fetchone()[0]
            n_members = con.execute("SELECT count(*) FROM marts.fct_segment_memberships_current").fetchone()[0]
        return {
            "customers_generated": customers,
            "days": days,
            "raw_events": n_events,
            "dim_customers_rows": n_view,
            "segment_members": n_members,
            "dbt_nodes_full_build": len(first.nodes) if first else None,
            "dbt_nodes_rebuild": len(rebuild.nodes),
            "generate_seconds": generate_s and round(generate_s, 1),
            "ingest_seconds": ingest_s and round(ingest_s, 1),
            "full_dbt_build_seconds": first_s and round(first_s, 1),
            "slowest_rebuild_nodes": _slowest(home / "target" / "run_results.json"),
            "customer_view_and_segments_rebuild_seconds": round(rebuild_s, 1),
            "target_seconds_at_1m": 300,
            "cpus": os.cpu_count(),
        }
