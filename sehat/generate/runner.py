"""``generate()``: world -> daily simulation -> production database -> CleverTap files -> truth."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from sehat.generate import clevertap, labels, production, truth
from sehat.generate.activity import EventBatch, Simulator
from sehat.generate.config import GenerateConfig, rng
from sehat.generate.production import TABLES, Rows
from sehat.generate.world import build_world

Progress = Callable[[str, int, int], None]


def generate(cfg: GenerateConfig, progress: Progress | None = None) -> dict:
    """Generate every source for ``cfg`` (replacing earlier output) and return a summary.

    ``progress(step, done, total)`` is called as work advances (steps: ``simulate``,
    ``production``, ``clevertap``, ``truth``).

    Summary keys: ``export`` (files, lines, well_formed, events, duplicates, late,
    alt_spelling, malformed {kind: lines}, malformed_total, by_event), ``api``
    (records, pages, by_event), ``production`` (rows per table), ``seconds`` per
    step and ``rates``. A loader reading every export line must end with
    ``lines == well_formed + malformed_total``.
    """
    report = progress or (lambda step, done, total: None)
    clock = {"start": time.perf_counter()}

    world = build_world(cfg)
    rows = Rows()
    production.add_reference_rows(rows, cfg, world)
    sim = Simulator(cfg, world, rows)
    days: list[tuple[EventBatch, EventBatch]] = []
    for k in range(cfg.days):
        days.append(sim.run_day(k))
        report("simulate", k + 1, cfg.days)
    clock["simulate"] = time.perf_counter()

    tables = {name: rows.arrow(name) for name in TABLES}
    production.write(tables, cfg.url, cfg.schema)
    report("production", 1, 1)
    clock["production"] = time.perf_counter()

    export, api = _write_clevertap(cfg, world, tables, days, report)
    clock["clevertap"] = time.perf_counter()
    truth.write(cfg, world, export.pop("manifest"))
    sape_labels = labels.write(cfg, rows)
    report("truth", 1, 1)
    clock["truth"] = time.perf_counter()

    seconds = {step: round(clock[step] - clock[prev], 3) for prev, step in
               zip(("start", "simulate", "production", "clevertap"), ("simulate", "production", "clevertap", "truth"))}
    seconds["total"] = round(clock["truth"] - clock["start"], 3)
    production_rows = {name: t.num_rows for name, t in tables.items()}
    events = export["lines"] + api["records"]
    return {
        "customers": cfg.customers, "days": cfg.days, "start": cfg.start.isoformat(), "seed": cfg.seed,
        "production_url": cfg.url, "production_schema": cfg.schema,
        "export": export, "api": api, "production": production_rows, "seconds": seconds,
        "sape_labels": sape_labels,
        "rates": {
            "events_per_s": round(events / max(seconds["total"], 1e-9)),
            "export_lines_per_s_writing": round(export["lines"] / max(seconds["clevertap"], 1e-9)),
            "production_rows_per_s_writing": round(sum(production_rows.values()) / max(seconds["production"], 1e-9)),
        },
    }


def _write_clevertap(cfg: GenerateConfig, world, tables, days, report) -> tuple[dict, dict]:
    renderer = clevertap.Renderer(cfg, world, tables)
    writer = clevertap.Writer(cfg)
    writer.clear()
    api = {"records": 0, "pages": 0, "by_event": {}}
    carried = EventBatch.empty()
    try:
        for k in range(cfg.days + 1):
            if k < cfg.days:
                events, notifications = days[k]
                late = rng(cfg.seed, "late", k).random(len(events)) < cfg.late_share
                on_time, next_carry = events.take(np.flatnonzero(~late)), events.take(np.flatnonzero(late))
            else:
                on_time = next_carry = EventBatch.empty()
            batch = EventBatch.concat([on_time, carried])
            is_late = np.r_[np.zeros(len(on_time), bool), np.ones(len(carried), bool)]
            export_day = clevertap.ExportDay(cfg.day(k), batch, is_late)
            if len(batch):
                prepared = clevertap.prepare_export(cfg, export_day, k)
                text = renderer.export_lines(prepared)
                writer.write_export(cfg.day(k), prepared, text)
                writer.write_custom(cfg.day(k), prepared, renderer.custom_lines(prepared, text))
            carried = next_carry
            if k < cfg.days:
                names, records = renderer.api_records(notifications)
                api["pages"] += writer.write_api(cfg.day(k), names, records)
                api["records"] += len(records)
                for name, count in zip(*np.unique(names.astype(str), return_counts=True)):
                    api["by_event"][str(name)] = api["by_event"].get(str(name), 0) + int(count)
            report("clevertap", k + 1, cfg.days + 1)
    finally:
        writer.close()
        renderer.close()
    return _export_summary(writer.manifest), api


def _export_summary(manifest: list[dict]) -> dict:
    malformed = {kind: sum(f[kind] for f in manifest) for kind in clevertap.MALFORMED_KINDS}
    lines = sum(f["lines"] for f in manifest)
    duplicates = sum(f["duplicates"] for f in manifest)
    total_bad = sum(malformed.values())
    by_event: dict[str, int] = {}
    for f in manifest:
        by_event[f["event_name"]] = by_event.get(f["event_name"], 0) + f["lines"]
    return {
        "files": len(manifest), "lines": lines, "well_formed": lines - total_bad,
        "events": lines - total_bad - duplicates, "duplicates": duplicates,
        "late": sum(f["late"] for f in manifest), "alt_spelling": sum(f["alt_spelling"] for f in manifest),
        "malformed": malformed, "malformed_total": total_bad, "by_event": by_event, "manifest": manifest,
    }
