"""``sehat bench ...``: run a benchmark (figures to ``benchmarks/results/<name>.json``), or regenerate
the figure tables of the README and docs from those files (``sehat bench report``).

Registered in ``sehat/cli.py`` with ``app.add_typer(bench_app, name="bench")``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Benchmarks (figures to benchmarks/results/*.json) and the figure tables generated from them.",
                  no_args_is_help=True)
console = Console()

BENCH_START = date(2026, 11, 1)
POSTGRES_URL = typer.Option("postgresql://postgres@127.0.0.1:5432/test", envvar="SEHAT_TEST_POSTGRES_URL",
                            help="Server to extract from.")


def _command(fallback: str) -> str:
    """The command line that reproduces a measurement (stored next to its figures)."""
    if sys.argv and Path(sys.argv[0]).name == "sehat":
        return "sehat " + " ".join(sys.argv[1:])
    return fallback


def _written(name: str, figures: dict, command: str) -> None:
    from sehat.bench.results import write_results

    console.print(f"written to {write_results(name, figures, command)}")


@app.command()
def scale(
    scales: str = typer.Option("10000,100000,1000000", help="Comma-separated customer counts (10000 for a quick run)."),
    bench_days: int = typer.Option(1, "--bench-days", help="Days generated and run per scale."),
) -> None:
    """The daily run per stage (time, peak memory) at several scales, with the ingest/extraction ceilings."""
    from sehat.bench import warehouse as w
    from sehat.bench.results import RESULTS_DIR, write_results

    command = _command(f"sehat bench scale --scales {scales} --bench-days {bench_days}")
    results = []
    for n in [int(x) for x in scales.split(",") if x.strip()]:
        results.append(w.bench_scale(n, days=bench_days, log=console.print))
        # written after every scale: a long run keeps what it measured so far
        write_results("scale", {"scales": results}, command)
        (RESULTS_DIR / "scale.md").write_text(w.scale_table(results, command))
        w.scale_plot(results, RESULTS_DIR / "scale.png")
    console.print(w.scale_table(results, command))
    console.print(f"written to {RESULTS_DIR / 'scale.json'}, scale.md, scale.png")


@app.command()
def incremental(
    customers: int = typer.Option(10_000, help="Customers generated."),
    days: int = typer.Option(3, help="Days of history (N)."),
) -> None:
    """The cost of day N+1 on a warehouse holding N days, vs a day on a fresh warehouse."""
    from sehat.bench.warehouse import bench_incremental

    figures = bench_incremental(customers=customers, history_days=days, log=console.print)
    console.print_json(json.dumps({k: v for k, v in figures.items() if k not in ("fresh_day", "day_n_plus_1")}))
    _written("incremental", figures, _command(f"sehat bench incremental --customers {customers} --days {days}"))


@app.command()
def extraction(
    rows: int = typer.Option(2_000_000, help="Rows in the PostgreSQL extraction table."),
    postgres_url: str = POSTGRES_URL,
) -> None:
    """PostgreSQL -> DuckDB through Sehat's extraction, vs psycopg COPY into DuckDB's CSV reader."""
    from sehat.bench.warehouse import bench_extraction

    with console.status(f"extracting {rows:,} rows from PostgreSQL"):
        figures = bench_extraction(postgres_url, rows=rows)
    console.print_json(json.dumps(figures))
    _written("extraction", figures, _command(f"sehat bench extraction --rows {rows}"))


@app.command()
def ingest(
    customers: int = typer.Option(10_000, help="Customers generated."),
    days: int = typer.Option(3, help="Days generated."),
    repeats: int = typer.Option(5, help="Alternating ingest and ceiling runs (the medians are reported)."),
) -> None:
    """CleverTap ingest vs DuckDB reading the same files straight into a table (the ceiling) and pandas."""
    from sehat.bench.warehouse import bench_clevertap_ingest
    from sehat.config import sehat_home
    from sehat.generate import GenerateConfig, generate

    with tempfile.TemporaryDirectory(prefix="sehat-bench-") as home, sehat_home(Path(home)) as cfg:
        t = time.perf_counter()
        with console.status(f"generating {customers:,} customers x {days} days"):
            generate(GenerateConfig(customers=customers, days=days, start=BENCH_START, seed=7, data_dir=cfg.data_dir))
        gen_seconds = time.perf_counter() - t
        day_list = [BENCH_START + timedelta(days=i) for i in range(days)]
        with console.status(f"ingesting CleverTap files and the DuckDB ceiling, {repeats} times each,"
                            " alternating; then the pandas loader"):
            figures = bench_clevertap_ingest(cfg, day_list, repeats=repeats)
        figures["customers"] = customers
        figures["generate_seconds"] = round(gen_seconds, 2)
        figures["generated_events_per_s"] = round(figures["records_read"] / gen_seconds)
    console.print_json(json.dumps(figures))
    _written("ingest", figures,
             _command(f"sehat bench ingest --customers {customers} --days {days} --repeats {repeats}"))


@app.command()
def engines(
    customers: int = typer.Option(100_000, help="Customers generated (one day)."),
    spark_memory: str = typer.Option("6g", help="The Spark driver's heap (local[2] runs in the driver)."),
) -> None:
    """The same day built by dbt on DuckDB and on Spark local[2]: seconds per stage and layer, and parity."""
    from sehat.bench.engines import bench_engines
    from sehat.transform.spark import require_pyspark

    require_pyspark()
    with tempfile.TemporaryDirectory(prefix="sehat-engines-") as root:
        figures = bench_engines(customers, Path(root), spark_memory=spark_memory, log=console.print)
    console.print_json(json.dumps(figures))
    _written("engines", figures, _command(f"sehat bench engines --customers {customers}"))


@app.command("dag-parse")
def dag_parse(repeats: int = typer.Option(5, help="Forked parses per DAG file (the median is reported).")) -> None:
    """Parse time of every DAG file, from Airflow's own DagBag parse stats."""
    from sehat.bench.dag_parse import bench_dag_parse

    with console.status(f"parsing every DAG file {repeats} times, as the DAG processor does"):
        figures = bench_dag_parse(repeats=repeats)
    console.print_json(json.dumps(figures))
    _written("dag_parse", figures, _command(f"sehat bench dag-parse --repeats {repeats}"))


@app.command()
def overhead(
    scales: str = typer.Option("1000,10000", help="Comma-separated customer counts; one world of 3 days each."),
    airflow: bool = typer.Option(True, help="Also run the third day of the first world through the real "
                                 "scheduler and measure what Airflow adds per task."),
) -> None:
    """The fixed cost of a day: every step, dbt by phase and node type, the gate per segment, Airflow per task."""
    from sehat.bench.overhead import bench_overhead

    counts = tuple(int(s) for s in scales.split(",") if s.strip())
    figures = bench_overhead(counts, airflow=airflow, log=console.print)
    console.print_json(json.dumps(figures, default=str))
    flag = "" if airflow else " --no-airflow"
    _written("overhead", figures, _command(f"sehat bench overhead --scales {scales}{flag}"))


@app.command("pii-gate")
def pii_gate(
    known: int = typer.Option(1_000_000, help="Known phones and e-mails in restricted.dim_customer_pii."),
    rows: int = typer.Option(100_000, help="Rows of the segment checked."),
) -> None:
    """The PII gate's time and peak memory: known values loaded, a segment (and a free-text variant) checked."""
    from sehat.bench.pii_gate import measure_pii_gate

    with console.status(f"PII gate: {known:,} known values, {rows:,} rows"):
        figures = measure_pii_gate(known=known, rows=rows)
    console.print_json(json.dumps(figures))
    _written("pii_gate", figures, _command(f"sehat bench pii-gate --known {known} --rows {rows}"))


@app.command()
def suite(
    lane: str = typer.Option("fast", help="fast: `make test-fast` (no e2e, no spark marks); full: `make test`."),
    workers: int = typer.Option(2, help="pytest-xdist workers, as the Makefile runs them."),
) -> None:
    """The test suite's wall time (the fast lane or the full suite), to test_<lane>.json."""
    from sehat.bench.suite import bench_suite

    with console.status(f"running the {lane} test suite on {workers} workers"):
        figures = bench_suite(lane, workers)
    console.print_json(json.dumps(figures))
    _written(f"test_{lane}", figures, _command(f"sehat bench suite --lane {lane} --workers {workers}"))


@app.command("all")
def all_(
    scales: str = typer.Option("10000,100000,1000000", help="scale: comma-separated customer counts."),
    postgres_url: str = POSTGRES_URL,
) -> None:
    """The warehouse benchmarks one after the other: scale, incremental, extraction, ingest, dag-parse."""
    scale(scales=scales, bench_days=1)
    incremental(customers=10_000, days=3)
    extraction(rows=2_000_000, postgres_url=postgres_url)
    ingest(customers=10_000, days=3, repeats=5)
    dag_parse(repeats=5)


@app.command()
def prescriptions(
    n: int = typer.Option(1_000_000, help="Prescriptions to synthesise for the training benchmark."),
    eval_n: int = typer.Option(60_000, help="Prescriptions for the accuracy benchmark."),
    work_dir: Path = typer.Option(Path(".sehat/bench/prescriptions"), help="Scratch directory."),
) -> None:
    """Prescription recommender: accuracy vs best achievable, training time/memory at n, suggest p99."""
    from sehat.bench.prescriptions import run_all

    figures = run_all(work_dir, n=n, eval_n=eval_n, log=console.print)
    console.print(figures)
    _written("prescriptions", figures, _command(f"sehat bench prescriptions --n {n} --eval-n {eval_n}"))


@app.command()
def sape(
    consultations: int = typer.Option(4000, help="Generated labelled consultations (train + held-out)."),
    score_consultations: int = typer.Option(3000, help="Generated consultations scored for throughput."),
    report_dir: Annotated[Path | None, typer.Option(help="Also write the evaluation report (report.md, plots)"
                                                         " here.")] = None,
    section_consultations: int = typer.Option(800, help="Generated section-labelled consultations (realistic "
                                                        "imbalance) for the balanced-reference comparison."),
) -> None:
    """SAPE: accuracy against the targets, the best achievable and the balanced reference; throughput on one core."""
    from sehat.bench.sape import bench_sape

    with console.status("benchmarking SAPE"):
        figures = bench_sape(consultations, score_consultations, report_dir=report_dir,
                             section_consultations=section_consultations)
    console.print_json(json.dumps(figures, default=str))
    _written("sape", figures, _command(f"sehat bench sape --consultations {consultations} "
                                       f"--score-consultations {score_consultations} "
                                       f"--section-consultations {section_consultations}"))


@app.command()
def personalisation(
    customers: int = typer.Option(100_000, help="Customers generated for the customer-view rebuild benchmark."),
    days: int = typer.Option(3, help="Days generated for it."),
    baskets: int = typer.Option(10_000, help="Baskets for the association-rule benchmark."),
    items: int = typer.Option(170, help="Distinct items for the association-rule benchmark."),
    skip_view: bool = typer.Option(False, "--skip-view", help="Only the association-rule benchmark."),
    work_dir: Annotated[Path | None, typer.Option(help="Where to generate (default: a temporary directory).")] = None,
    reuse: bool = typer.Option(False, "--reuse", help="With --work-dir: time only the rebuild of an existing"
                                                       " warehouse."),
) -> None:
    """Association rules (support 0.001 / confidence 0.5) and the customer view + segments rebuild."""
    from sehat.bench.personalisation import bench_association_rules, bench_customer_view

    command = _command(f"sehat bench personalisation --customers {customers} --days {days} --baskets {baskets}"
                       f" --items {items}" + (" --skip-view" if skip_view else ""))
    with console.status("association rules"):
        rules = bench_association_rules(n_baskets=baskets, n_items=items)
    console.print_json(json.dumps(rules))
    _written("association_rules", rules, command)
    if not skip_view:
        with console.status(f"customer view at {customers} customers x {days} days"):
            view = bench_customer_view(customers=customers, days=days, work_dir=work_dir, reuse=reuse)
        console.print_json(json.dumps(view, default=str))
        _written("customer_view", view, command)


@app.command("medicine-parser")
def medicine_parser() -> None:
    """The medicine parser on the labelled names of tests/fixtures/medicines (with and without the catalogue,
    and on the held-out names) -> benchmarks/results/medicine_parser.json. Also `sehat prescriptions parse-eval`."""
    from sehat.bench.medicine_parser import run, summary

    figures, path = run(_command("sehat prescriptions parse-eval"))
    console.print(summary(figures))
    console.print(f"written to {path}")


@app.command()
def report(
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 if a table differs from the JSON."),
) -> None:
    """Regenerate the figure tables in README.md and docs/*.md from benchmarks/results/*.json.

    Tables sit between ``<!-- figures:<name> -->`` and ``<!-- /figures -->`` markers; everything
    outside the markers is left as it is.
    """
    from sehat.bench.report import update_documents

    changed = update_documents(write=not check)
    for path in changed:
        console.print(f"{'stale' if check else 'updated'}: {path}")
    if not changed:
        console.print("figure tables match benchmarks/results/*.json")
    if check and changed:
        raise typer.Exit(1)
