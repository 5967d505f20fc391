"""The figure tables of the README and docs, generated from ``benchmarks/results/*.json``.

A document holds a generated table between two markers::

    <!-- figures:readme -->
    ...generated Markdown...
    <!-- /figures -->

:func:`update_documents` rewrites what is between them from the result files and leaves every
other line alone, so a re-measurement changes data, not prose. ``sehat bench report`` (also
``make figures``) runs it; ``--check`` only reports stale tables (a test does the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sehat.bench.results import RESULTS_DIR, read_results
from sehat.config import REPO_ROOT

DOCUMENTS = ("README.md", "docs/*.md")
MARKER = re.compile(r"(<!-- figures:(?P<name>[a-z0-9_-]+) -->\n)(?P<body>.*?)(<!-- /figures -->)", re.DOTALL)


class MissingResults(LookupError):
    """A table names a benchmark whose result file does not exist."""


def _load(name: str, results_dir: Path) -> dict:
    payload = read_results(name, results_dir)
    if payload is None:
        raise MissingResults(f"benchmarks/results/{name}.json is missing: run `sehat bench` for it")
    return payload


def _table(header: list[str], rows: list[list], align: str | None = None) -> str:
    align = align or "-" * len(header)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _source(name: str, payload: dict) -> str:
    command = payload["command"]
    how = f"with `{command}`" if command.startswith(("sehat ", "python ")) else command
    return (f"\nSource: `benchmarks/results/{name}.json`, measured {payload['measured_at'][:10]} {how}"
            f" ({payload['machine'].get('cpus')} CPUs).\n")


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _k(x: float) -> str:
    return f"{x / 1000:,.0f}k"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


# ------------------------------------------------------------------------------------------ README


def readme(results_dir: Path) -> str:
    """The README's headline figures: the daily run at scale and the warehouse targets."""
    rows: list[list] = []
    sources: list[str] = []
    scale = read_results("scale", results_dir)
    if scale:
        top = max(scale["figures"]["scales"], key=lambda r: r["customers"])
        daily = [n for n in top["stages"] if n not in ("generate", "customer_view")]
        peak_gb = max(top["stages"][n]["peak_mb"] for n in daily) / 1024
        rows.append([(f"daily run for a day of {_n(top['customers'])} customers ({len(daily)} stages: ingest,"
                     " extraction, labels, dbt build, gate, publish, model retrains)"),
                     f"{top['daily_run_seconds']:,.0f} s, peak {peak_gb:.1f} GiB", "< 30 min",
                     _met(top["daily_run_seconds"] < 1800), "[scale.json](benchmarks/results/scale.json)"])
        view = top["stages"].get("customer_view")
        if view:
            rows.append([f"customer view + segments rebuilt for a day, {_n(top['customers'])} customers",
                         f"{view['seconds']:,.0f} s", "< 5 min", _met(view["seconds"] < 300),
                         "[scale.json](benchmarks/results/scale.json)"])
        sources.append("scale")
    incremental = read_results("incremental", results_dir)
    if incremental:
        f = incremental["figures"]
        rows.append([f"day N+1 on {f['history_days']} days of history vs a fresh day ({_n(f['customers'])} customers)",
                     f"{f['ratio']:.2f}x wall, {f['cpu_ratio']:.2f}x CPU", f"< {f['target_ratio']}x",
                     _met(f["cpu_ratio"] < f["target_ratio"]),
                     "[incremental.json](benchmarks/results/incremental.json)"])
    extraction = read_results("extraction", results_dir)
    if extraction:
        f = extraction["figures"]
        rows.append([f"PostgreSQL extraction, {_n(f['rows'])} rows", f"{_k(f['sehat_extract_rows_per_s'])} rows/s",
                     f">= {_k(f['target_rows_per_s'])} rows/s",
                     _met(f["sehat_extract_rows_per_s"] >= f["target_rows_per_s"]),
                     "[extraction.json](benchmarks/results/extraction.json)"])
    ingest = read_results("ingest", results_dir)
    if ingest:
        f = ingest["figures"]
        pairs = f.get("sehat_ingest_vs_duckdb_ceiling_per_repeat") or [f["sehat_ingest_vs_duckdb_ceiling"]]
        spread = f" (pairs {min(pairs):.2f}-{max(pairs):.2f})" if len(pairs) > 1 else ""
        rows.append([f"CleverTap ingest vs DuckDB `read_json` on the same files, {_n(f['customers'])} customers",
                     (f"{f['sehat_ingest_vs_duckdb_ceiling']:.2f} of the ceiling, median of {f.get('repeats', 1)}"
                     f"{spread}; {f['sehat_ingest_vs_pandas']:.1f}x a plain pandas loader"),
                     f">= {f['target_vs_ceiling']}",
                     _met(f["sehat_ingest_vs_duckdb_ceiling"] >= f["target_vs_ceiling"]),
                     "[ingest.json](benchmarks/results/ingest.json)"])
    if scale:
        runs = [(r["customers"], r.get("ceilings", {}).get("sehat_ingest_vs_duckdb_ceiling"))
                for r in sorted(scale["figures"]["scales"], key=lambda r: r["customers"])]
        runs = [(n, x) for n, x in runs if x is not None]
        if runs:
            rows.append(["the same ratio in the scale run (single runs)",
                         ", ".join(f"{x:.2f} at {_n(n)}" for n, x in runs), ">= 0.8",
                         f"at {', '.join(_n(n) for n, x in runs if x >= 0.8) or 'no scale'}",
                         "[scale.json](benchmarks/results/scale.json)"])
    dag_parse = read_results("dag_parse", results_dir)
    if dag_parse:
        files = dag_parse["figures"]["files"]
        slowest = max(files, key=lambda n: files[n]["median_seconds"])
        others = [v["median_seconds"] for n, v in files.items() if n != slowest]
        rows.append(["DAG parse, per file (median)",
                     f"{min(others):.2f}-{max(others):.2f} s; `{slowest}` {files[slowest]['median_seconds']:.2f} s",
                     "kept low", "-", "[dag_parse.json](benchmarks/results/dag_parse.json)"])
    engines_run = read_results("engines", results_dir)
    if engines_run:
        f = engines_run["figures"]
        same = "all marts equal" if not f["parity"]["differing"] else f"{len(f['parity']['differing'])} marts differ"
        rows.append([f"whole dbt build for a day of {_n(f['customers'])} customers, DuckDB vs Spark local[2]",
                     f"{f['duckdb']['build_seconds']:.0f} s vs {f['spark']['build_seconds']:.0f} s ({same})",
                     "measured (docs/spark.md)", "-", "[engines.json](benchmarks/results/engines.json)"])
    overhead = read_results("overhead", results_dir)
    if overhead:
        rows.extend(overhead_rows(overhead["figures"]))
    pii = read_results("pii_gate", results_dir)
    if pii:
        f = pii["figures"]
        rows.append([(f"PII gate: {_n(f['known_phones'])} known phones + {_n(f['known_emails'])} e-mails,"
                     f" a {_n(f['rows'])}-row segment (generated)"),
                     (f"load {f['load_known_s']:.1f} s ({f['load_known_peak_mb']:.0f} MB), check"
                     f" {f['segment']['check_s']:.1f} s; with a free-text column {f['free_text']['check_s']:.1f} s"),
                     "measured", "-", "[pii_gate.json](benchmarks/results/pii_gate.json)"])
    suites = [read_results(f"test_{lane}", results_dir) for lane in ("fast", "full")]
    for run, label in zip(suites, ("`make test-fast` (no e2e, no Spark)", "`make test` (the full suite)"), strict=True):
        if run:
            f = run["figures"]
            rows.append([f"{label}, {f['workers']} workers, {_n(f['counts'].get('passed', 0))} passed",
                         f"{f['wall_seconds']:.0f} s", f"<= {f['target_seconds']} s",
                         _met(f["wall_seconds"] <= f["target_seconds"]),
                         f"[test_{f['lane']}.json](benchmarks/results/test_{f['lane']}.json)"])
    if not rows:
        raise MissingResults("no benchmark results for the README table")
    measured = sorted({p["measured_at"][:10] for p in (scale, incremental, extraction, ingest, dag_parse, engines_run,
                                                       overhead, pii, *suites) if p})
    return (_table(["figure", "measured", "target", "target met", "details"], rows)
            + f"\nMeasured between {measured[0]} and {measured[-1]}; each file names its command and machine.\n")


# The targets of the fixed cost of a day (issue 24), in seconds.
DAY_TARGETS = {1_000: 25, 10_000: 45}
DBT_TARGETS = {"execution_seconds": 15, "dbt_wall_seconds": 25}
GATE_TARGET = 1.0


def overhead_rows(f: dict) -> list[list]:
    """README rows of ``sehat bench overhead``: a small day in process, its dbt build, the gate, Airflow."""
    link, rows = "[overhead.json](benchmarks/results/overhead.json)", []
    for customers, scale in sorted(f["scales"].items(), key=lambda kv: int(kv[0])):
        day, n = scale["day"], int(customers)
        steps = sorted(day["steps"].items(), key=lambda kv: -kv[1])[:2]
        rows.append([f"one in-process day, {_n(n)} customers (generation excluded)",
                     f"{day['total_seconds']:.0f} s (" + ", ".join(f"{k} {v:.0f} s" for k, v in steps) + ")",
                     f"<= {DAY_TARGETS[n]} s" if n in DAY_TARGETS else "-",
                     _met(day["total_seconds"] <= DAY_TARGETS[n]) if n in DAY_TARGETS else "-", link])
        dbt = day["dbt"]
        rows.append([f"its `dbt build`: dbt's elapsed / wall with start and parse ({dbt['threads']} threads)",
                     f"{dbt['execution_seconds']:.0f} s / {dbt['dbt_wall_seconds']:.0f} s",
                     f"<= {DBT_TARGETS['execution_seconds']} s / <= {DBT_TARGETS['dbt_wall_seconds']} s",
                     _met(dbt["execution_seconds"] <= DBT_TARGETS["execution_seconds"]
                          and dbt["dbt_wall_seconds"] <= DBT_TARGETS["dbt_wall_seconds"]), link])
        gate = {k: v for k, v in day["gate_seconds_per_segment"].items() if not k.startswith("(")}
        if gate:
            rows.append([f"release gate per segment, {_n(n)} customers ({len(gate)} segments)",
                         f"{min(gate.values()):.2f}-{max(gate.values()):.2f} s", f"<= {GATE_TARGET:.0f} s",
                         _met(max(gate.values()) <= GATE_TARGET), link])
        if "airflow" in scale:
            a = scale["airflow"]
            rows.append([f"the same world's next day through the real scheduler ({a['tasks']} tasks)",
                         (f"{a['day_wall_seconds']:.0f} s vs {a['in_process_day_seconds']:.0f} s in process; per task "
                          f"{a['median_in_task_overhead_seconds']:.1f} s in the task, "
                          f"{a['median_scheduling_wait_seconds']:.1f} s waiting for the scheduler (medians)"),
                         "measured", "-", link])
    return rows


# ------------------------------------------------------------------------------------------ prescriptions

FIELD_NAMES = {"complaint": "Complaint", "diagnosis": "Diagnosis", "molecule": "Medicine molecule",
               "brand": "Medicine brand", "lab_test": "Lab test", "advice": "Advice"}


def prescriptions_accuracy(results_dir: Path) -> str:
    payload = _load("prescriptions", results_dir)
    acc = payload["figures"]["accuracy"]
    rows = []
    for field, f in acc["fields"].items():
        rows.append([FIELD_NAMES.get(field, field), _n(f["n"]), f"{f['model_one']:.2f}", f"{f['model_all']:.2f}",
                     f"{f['popularity_one']:.2f}", f"{f['popularity_all']:.2f}",
                     f"{f['best_achievable_one']:.2f}", f"{f['best_achievable_all']:.2f}",
                     f"{acc['gap_to_best_one'][field]:.2f}"])
    header = ["field", "test rows", "model one@8", "model all@8", "popularity one@8", "popularity all@8",
              "best achievable one@8", "best achievable all@8", "gap to best (one@8)"]
    return (f"{_n(acc['prescriptions'])} synthesised prescriptions, test = last 30 days:\n\n"
            + _table(header, rows, "lrrrrrrrr") + _source("prescriptions", payload))


def prescriptions_speed(results_dir: Path) -> str:
    payload = _load("prescriptions", results_dir)
    f = payload["figures"]
    t, s, closed, think = (f["training"], f["suggest_in_process"], f["suggest_http"]["closed_loop"],
                           f["suggest_http"]["think_50ms"])
    rows = [
        [f"training on {_n(t['prescriptions'])} prescriptions",
         (f"{t['fit_s']:.1f} s, peak RSS {t['peak_rss_gb']:.2f} GiB,"
         f" model {t['model_mb']:.0f} MB"), "< 2 min, < 4 GB", _met(t["fit_s"] < 120 and t["peak_rss_gb"] < 4)],
        [f"`suggest` in process ({_n(s['calls'])} calls)", f"p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms",
         "p99 < 10 ms", _met(s["p99_ms"] < 10)],
    ]
    for label, h in (("closed loop", closed), (f"{think['think_ms']:g} ms think time per client", think)):
        rows.append([f"HTTP, {h['clients']} keep-alive clients, {h['workers']} uvicorn workers, {label}",
                     (f"p50 {h['p50_ms']:.1f} ms, p99 {h['p99_ms']:.1f} ms, {h['throughput_rps']:,.0f} req/s, "
                     f"server CPU {h['server_cpu_ms']:.2f} ms/req"), "p99 < 25 ms", _met(h["p99_ms"] < 25)])
    return _table(["figure", "value", "target", "target met"], rows) + _source("prescriptions", payload)


def medicine_parser(results_dir: Path) -> str:
    from sehat.bench.medicine_parser import summary

    payload = _load("medicine_parser", results_dir)
    return summary(payload["figures"]) + _source("medicine_parser", payload)


# ------------------------------------------------------------------------------------------ SAPE


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


MODEL_NAMES = {"decision_tree": "decision tree", "hist_gradient_boosting": "gradient boosting", "mlp": "MLP"}


def sape_comparison(results_dir: Path) -> str:
    payload = _load("sape", results_dir)
    f = payload["figures"]
    rows = []
    for cat in ("S", "A", "P", "E"):
        q = f["quantitative_best"].get(cat)
        quant = "-" if not q else f"{_pct(q[1])} ({MODEL_NAMES.get(q[0].split('+')[0], q[0].split('+')[0])}" \
            f"{'' if q[0].endswith('+none') else ', ' + q[0].split('+')[1]})"
        c = f["category_accuracy"][f"{cat.lower()}_score"]
        rows.append([cat if cat != "E" else "E (dictionary)", quant, _pct(c["model"]), _pct(c["best_achievable"]),
                     _pct(c["majority"])])
    sent = f["sentence_accuracy"]
    classifiers = [
        ["sentence S / A / P", " / ".join(_pct(sent[c]["model"]) for c in "SAP"),
         " / ".join(_pct(sent[c]["best_achievable"]) for c in "SAP")],
        [f"subcategories (mean of {len(f['subcategory_accuracy'])})", _pct(f["subcategory_mean"]),
         _pct(f["subcategory_best_achievable_mean"])],
        ["question: dictionary / trained SVM",
         f"{_pct(f['question']['dictionary'])} / {_pct(f['question']['trained_svm'])}",
         _pct(f["question"]["best_achievable"])],
    ]
    return (f"{_n(f['labelled_consultations'])} generated consultations, {_n(f['test_consultations'])} held out:\n\n"
            + _table(["category", "quantitative (best model x sampler)", "qualitative", "best achievable",
                      "majority class"], rows)
            + "\n" + _table(["classifier", "model", "best achievable"], classifiers) + _source("sape", payload))


def sape_balanced(results_dir: Path) -> str:
    """Balanced accuracy of the sentence classifiers beside the balanced reference (ml.sape.baseline)."""
    from ml.sape.baseline import PUBLIC_CORPUS

    payload = _load("sape", results_dir)
    f = payload["figures"]
    sections = f.get("section_labelled")
    if not sections:
        return "No balanced-reference figures yet: run `sehat bench sape`.\n"
    num = lambda v: "-" if v is None else f"{v:.3f}"
    rows = []
    for c in "SAP":
        g, r = f["sentence_accuracy"][c], sections["sentence"][c]
        pair = lambda a, b: f"{num(a)} / {num(b)}"
        rows.append([c, _pct(sections["label_shares"][c]), pair(r["balanced_accuracy"], r["balanced_reference"]),
                     pair(g.get("balanced_accuracy"), g.get("balanced_reference")),
                     pair(PUBLIC_CORPUS["first_sentence_classifiers"][c], PUBLIC_CORPUS["balanced_baseline"][c])])
    targets = f["targets"]
    return (f"Balanced accuracy, model / balanced reference. Generated section-labelled dialogue: "
            f"{_n(sections['consultations'])} consultations, {_n(sections['test_sentences'])} held-out sentences; "
            f"generated SAPE chats: {_n(f['test_consultations'])} held-out consultations. The public corpus "
            "column is quoted (not measured here: the corpus is not available offline).\n\n"
            + _table(["category", "label share (section-labelled)", "section-labelled (generated)",
                      "SAPE chats (generated)", "public corpus (quoted: first classifiers / reference)"], rows)
            + f"\nTargets: balanced accuracy >= 0.60 on the section-labelled set "
              f"{_met(targets.get('section_balanced_accuracy_at_least_0_60', False))}; never more than 0.02 below "
              f"the reference {_met(targets.get('never_more_than_0_02_below_the_balanced_reference', False))}.\n"
            + _source("sape", payload))


def sape_throughput(results_dir: Path) -> str:
    payload = _load("sape", results_dir)
    s = payload["figures"]["scoring"]
    targets = payload["figures"]["targets"]
    rows = [
        ["sentences scored per second, one core", _n(s["sentences_per_s"]), ">= 20,000",
         _met(targets["scoring_20k_sentences_per_s"])],
        ["consultations scored per second, one core", _n(s["consultations_per_s"]), "-", "-"],
        ["100,000 consultations (extrapolated)", f"{s['estimated_seconds_for_100k_consultations']:.0f} s", "< 5 min",
         _met(targets["100k_consultations_under_5_min"])],
    ]
    return (f"{_n(s['consultations'])} generated consultations ({_n(s['sentences'])} sentences) scored:\n\n"
            + _table(["figure", "value", "target", "target met"], rows) + _source("sape", payload))


# ------------------------------------------------------------------------------------------ operations


def dag_parse(results_dir: Path) -> str:
    payload = _load("dag_parse", results_dir)
    f = payload["figures"]
    rows = [[f"`{name}`", f"{v['median_seconds']:.3f}", f"{v['min_seconds']:.3f}", f"{v['max_seconds']:.3f}",
             v["tasks"], "yes" if v["import_errors"] else "no"] for name, v in f["files"].items()]
    rows.append(["**all files**", f"**{f['total_median_seconds']:.2f}**", "", "", "", ""])
    return (_table(["DAG file", "median s", "min s", "max s", "tasks", "import errors"], rows, "lrrrrl")
            + f"\nImporting Airflow itself (once per DAG processor): {f['airflow_import_seconds']:.1f} s."
            + f" Median of {f['repeats']} parses per file.\n" + _source("dag_parse", payload))


def dbt_routes(results_dir: Path) -> str:
    payload = _load("dbt_routes", results_dir)
    f = payload["figures"]
    rows = []
    for route in f["routes"]:
        ratio = route["per_model_seconds"] / route["single_build_seconds"]
        rows.append([route["route"], f"{route['single_build_seconds']:.0f} s",
                     (f"{route['per_model_seconds']:.0f} s ({ratio:.1f}x), "
                      f"task median {route['task_median_seconds']} s")])
    return (_table(["route", "single `dbt build` (`sehat_transform`)",
                    f"per model (`sehat_dbt_models`, {f['per_model_tasks']} tasks)"], rows)
            + f"\nBoth routes pass the same {f['nodes']} nodes and {f['tests']} tests. {f['conditions']}\n"
            + _source("dbt_routes", payload))


def extraction_routes(results_dir: Path) -> str:
    """The routes measured when extraction was chosen, and Sehat's extraction as measured now."""
    routes = _load("extraction_routes", results_dir)
    f = routes["figures"]
    rows = [[r["route"] + (" (chosen)" if r["chosen"] else ""), f"{_k(r['rows_per_s'])}",
             f"{r['peak_memory_gb']} GB" if r.get("peak_memory_gb") else ""] for r in f["routes"]]
    text = (_table(["route", "rows/s", "memory"], rows, "lrl") + _source("extraction_routes", routes))
    now = read_results("extraction", results_dir)
    if now:
        g = now["figures"]
        text += ("\n" + _table(["route", "rows/s"], [
            ["Sehat's extraction (`sehat.ingest.production.extract_table`)", _k(g["sehat_extract_rows_per_s"])],
            ["psycopg `COPY ... TO STDOUT` into `read_csv`, same run", _k(g["psycopg_copy_csv_rows_per_s"])],
        ], "lr") + _source("extraction", now))
    return text


def scale_stages(results_dir: Path) -> str:
    payload = _load("scale", results_dir)
    results = sorted(payload["figures"]["scales"], key=lambda r: r["customers"])
    names = list(dict.fromkeys(n for r in results for n in r["stages"]))
    rows = [[n] + [f"{r['stages'][n]['seconds']:,.1f} s / {r['stages'][n]['peak_mb']:,.0f} MB"
                   if n in r["stages"] else "" for r in results] for n in names]
    rows.append(["**daily run** (every stage but generate and customer_view)"]
                + [f"**{r['daily_run_seconds']:,.0f} s**" for r in results])
    return (_table(["stage"] + [f"{_n(r['customers'])} customers" for r in results], rows)
            + "\nEach cell: time inside the stage's own process / its peak resident memory."
            + _source("scale", payload))


def engines(results_dir: Path) -> str:
    payload = _load("engines", results_dir)
    f = payload["figures"]
    duck, spark = f["duckdb"], f["spark"]
    rows = [["whole dbt build (wall)", f"{duck['build_seconds']:.1f}", f"{spark['build_seconds']:.1f}"]]
    for stage in ("lake_sync", "dbt", "import", "snapshot"):
        if stage in spark["stages"]:
            rows.append([f"stage: {stage.replace('_', ' ')}", f"{duck['stages'].get(stage, 0):.1f}"
                         if stage in duck["stages"] else "-", f"{spark['stages'][stage]:.1f}"])
    names = {"operations": "on-run-start hook (lake views)"}
    for layer in sorted(set(duck["layers"]) | set(spark["layers"])):
        both = (duck["layers"].get(layer, 0), spark["layers"].get(layer, 0))
        if max(both) >= 0.05:
            rows.append([f"dbt {names.get(layer, layer)} (sum of node times)", f"{both[0]:.1f}", f"{both[1]:.1f}"])
    parity = f["parity"]
    same = ("all equal" if not parity["differing"]
            else f"{len(parity['differing'])} differ: {', '.join(parity['differing'])}")
    return (f"One generated day, {_n(f['customers'])} customers, {_n(f['events'])} events; seconds. "
            f"Spark is local[2] with a {f['spark_driver_memory']} driver. "
            f"Marts compared: {parity['relations']}, {same}.\n\n"
            + _table(["stage", "DuckDB", "Spark local"], rows, "lrr") + _source("engines", payload))


TABLES: dict[str, Callable[[Path], str]] = {
    "readme": readme,
    "prescriptions-accuracy": prescriptions_accuracy,
    "prescriptions-speed": prescriptions_speed,
    "medicine-parser": medicine_parser,
    "sape-comparison": sape_comparison,
    "sape-throughput": sape_throughput,
    "sape-balanced": sape_balanced,
    "dag-parse": dag_parse,
    "dbt-routes": dbt_routes,
    "scale-stages": scale_stages,
    "extraction-routes": extraction_routes,
    "engines": engines,
}


def render(text: str, results_dir: Path | None = None) -> str:
    """``text`` with every marked table regenerated from the result files."""
    results_dir = Path(results_dir or RESULTS_DIR)

    def fill(m: re.Match) -> str:
        name = m.group("name")
        if name not in TABLES:
            raise KeyError(f"unknown figure table {name!r}; known: {', '.join(TABLES)}")
        return m.group(1) + "\n" + TABLES[name](results_dir).strip("\n") + "\n\n" + m.group(4)

    return MARKER.sub(fill, text)


def documents(root: Path | None = None) -> list[Path]:
    root = Path(root or REPO_ROOT)
    return sorted({p for pattern in DOCUMENTS for p in root.glob(pattern)})


def update_documents(write: bool = True, root: Path | None = None, results_dir: Path | None = None) -> list[Path]:
    """Regenerate the marked tables of every document; return the documents whose tables changed
    (written when ``write``, only reported otherwise)."""
    changed = []
    for path in documents(root):
        text = path.read_text(encoding="utf-8")
        if "<!-- figures:" not in text:
            continue
        new = render(text, results_dir)
        if new != text:
            changed.append(path)
            if write:
                path.write_text(new, encoding="utf-8")
    return changed

