"""The ``sehat`` command line. ``sehat --help`` lists the commands; each has ``--help``.

Paths come from the environment (``SEHAT_HOME`` and friends, see
``sehat.config``); ``sehat where`` prints them.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sehat.config import settings

app = typer.Typer(
    help="Sehat: the tele-health data warehouse (CleverTap + production DB -> DuckDB -> dbt -> gated publishing).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()

DEFAULT_START = date(2026, 11, 1)


def _parse_day(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-01") from None


def _days(day: str | None, start: str | None, end: str | None) -> list[date]:
    from sehat.pipeline import days_between

    if day and (start or end):
        raise typer.BadParameter("give --date or --start/--end, not both")
    if day:
        return [_parse_day(day)]
    if start and end:
        return days_between(_parse_day(start), _parse_day(end))
    raise typer.BadParameter("give --date YYYY-MM-DD, or --start and --end")


@app.command()
def where() -> None:
    """Print where Sehat keeps its data, warehouse, snapshot and publications."""
    cfg = settings()
    for field in ("home", "data_dir", "warehouse_path", "reader_path", "publish_dir", "production_url"):
        console.print(f"[bold]{field}[/]: {getattr(cfg, field)}")


@app.command()
def generate(
    customers: int = typer.Option(2000, help="Number of customers to simulate."),
    days: int = typer.Option(7, help="Number of days of activity."),
    start: str = typer.Option(DEFAULT_START.isoformat(), help="First day (YYYY-MM-DD)."),
    seed: int = typer.Option(42, help="Random seed: same seed, same data."),
    production_url: str | None = typer.Option(
        None, help="Write the production DB here (postgresql://...); default: a SQLite file under the data dir."
    ),
) -> None:
    """Generate CleverTap exports, API pages and a production database (deterministic)."""
    from sehat.generate import GenerateConfig
    from sehat.generate import generate as run_generate

    cfg = settings()
    config = GenerateConfig(
        customers=customers,
        days=days,
        start=_parse_day(start),
        seed=seed,
        data_dir=cfg.data_dir,
        production_url=production_url,
    )
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as progress:
        tasks: dict[str, int] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total)
            progress.update(tasks[step], completed=done, total=total)

        summary = run_generate(config, progress=report)
    console.print_json(json.dumps(summary, default=str))


@app.command()
def run(
    day: str | None = typer.Option(None, "--date", help="One logical date (YYYY-MM-DD)."),
    start: str | None = typer.Option(None, help="First date of a range (backfill)."),
    end: str | None = typer.Option(None, help="Last date of a range (inclusive)."),
    mode: str = typer.Option(
        "airflow",
        help="airflow: the real scheduler runs the Asset-chained DAGs; "
        "dags-test: `airflow dags test` per DAG; inprocess: the same steps without Airflow.",
    ),
) -> None:
    """Run the daily pipeline (ingest -> dbt -> gate -> publish) for a date or a range."""
    days = _days(day, start, end)
    started = time.perf_counter()
    if mode == "airflow":
        from sehat.orchestrate import run_through_scheduler

        result = run_through_scheduler(days)
        table = Table("DAG", "run", "state", title="Airflow runs")
        for dag_id, runs in result.states.items():
            for run_id, state in runs.items():
                table.add_row(dag_id, run_id, state)
        console.print(table)
        if not result.ok:
            console.print(f"[bold red]pipeline failed[/]: {result.failures} (logs: {result.logs_dir})")
            raise typer.Exit(1)
    elif mode == "dags-test":
        from sehat.orchestrate import run_day_dags_test

        for d in days:
            result = run_day_dags_test(d)
            if not result.ok:
                console.print(f"[bold red]pipeline failed for {d}[/]\n{result.failure_report()}")
                raise typer.Exit(1)
    elif mode == "inprocess":
        from sehat.pipeline import run_day

        for d in days:
            run_day(d, log=console.print)
    else:
        raise typer.BadParameter(f"unknown mode {mode!r}: airflow, dags-test or inprocess")
    console.print(f"pipeline for {len(days)} day(s) took {time.perf_counter() - started:.1f}s")
    _print_summary()


@app.command()
def sql(
    query: str = typer.Argument(..., help="SQL to run against the read-only warehouse snapshot."),
    limit: int = typer.Option(50, help="Rows to show at most."),
) -> None:
    """Query the analysts' snapshot (marts, snapshots, ml; read-only, no file access; safe while the pipeline runs)."""
    from sehat.warehouse import reader

    with reader() as con:
        rel = con.execute(query)
        columns = [d[0] for d in rel.description]
        rows = rel.fetchmany(limit)
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@app.command()
def published() -> None:
    """Show what is live in the publication area (per segment: rows, as-of date, files)."""
    from sehat.publish import list_publications

    pubs = list_publications()
    if not pubs:
        console.print("nothing published yet")
        return
    table = Table("segment", "as of", "rows", "published at", "path")
    for p in pubs:
        table.add_row(p["segment"], p["as_of"], str(p["rows"]), p["published_at"], p["path"])
    console.print(table)


@app.command()
def status() -> None:
    """Rows per layer in the warehouse snapshot, the last loads, and what is published."""
    _print_summary()


def _print_summary() -> None:
    from sehat.publish import list_publications
    from sehat.warehouse import layer_counts, restricted_reader

    cfg = settings()
    table = Table("layer", "relation", "rows", title="Warehouse (restricted snapshot)")
    for schema, name, rows in layer_counts(cfg):
        table.add_row(schema, name, f"{rows:,}")
    console.print(table)
    with restricted_reader(cfg) as con:
        loads = con.execute(
            "SELECT source, count(*) AS days, sum(read), sum(loaded), sum(quarantined)"
            " FROM raw.load_log GROUP BY ALL ORDER BY source"
        ).fetchall()
    lt = Table("source", "days", "read", "loaded", "quarantined", title="Loads (read = loaded + quarantined)")
    for row in loads:
        lt.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    console.print(lt)
    pubs = list_publications(cfg)
    for p in pubs:
        console.print(f"published [bold]{p['segment']}[/] as of {p['as_of']}: {p['rows']} rows -> {p['path']}")
    console.print(
        f"query it: [bold].venv/bin/sehat sql \"SELECT * FROM marts.dim_customers LIMIT 5\"[/]"
        f"  or  duckdb -readonly {cfg.reader_path}"
    )


@app.command()
def bench(
    what: str = typer.Argument("all", help="scale | incremental | extraction | ingest | dag-parse | all"),
    scales: str = typer.Option(
        "10000,100000,1000000", help="scale: comma-separated customer counts (e.g. 10000 for a quick run)."
    ),
    bench_days: int = typer.Option(1, "--bench-days", help="scale: days generated and run per scale."),
    customers: int = typer.Option(10_000, help="ingest/incremental: customers generated."),
    days: int = typer.Option(3, help="ingest: days generated; incremental: days of history (N)."),
    rows: int = typer.Option(2_000_000, help="Rows in the PostgreSQL extraction table."),
    repeats: int = typer.Option(
        5, help="dag-parse: forked parses per DAG file; ingest: alternating ingest and ceiling runs"
        " (the medians are reported)."
    ),
    postgres_url: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/test", envvar="SEHAT_TEST_POSTGRES_URL", help="Server to extract from."
    ),
) -> None:
    """Measure the daily run per stage at several scales (time, peak memory, ceilings), the incremental
    cost of day N+1, CleverTap ingest vs the DuckDB ceiling, PostgreSQL extraction and DAG parse time.

    Figures go to benchmarks/results/<name>.json (+ scale.md and scale.png for `scale`).
    """
    import os
    import sys
    import tempfile

    from sehat import bench as b
    from sehat.pipeline import days_between

    argv = " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("sehat") else None
    command = f"sehat {argv}" if argv else (
        f"sehat bench {what} --scales {scales} --bench-days {bench_days} --customers {customers}"
        f" --days {days} --rows {rows} --repeats {repeats}"
    )
    if what in ("scale", "all"):
        results = []
        for n in [int(x) for x in scales.split(",") if x.strip()]:
            results.append(b.bench_scale(n, days=bench_days, log=console.print))
            # written after every scale: a long run keeps what it measured so far
            b.write_results("scale", {"scales": results}, command)
            (b.RESULTS_DIR / "scale.md").write_text(b.scale_table(results, command))
            b.scale_plot(results, b.RESULTS_DIR / "scale.png")
        console.print(b.scale_table(results, command))
        console.print(f"written to {b.RESULTS_DIR / 'scale.json'}, scale.md, scale.png")
    if what in ("incremental", "all"):
        figures = b.bench_incremental(customers=customers, history_days=days, log=console.print)
        console.print_json(json.dumps({k: v for k, v in figures.items() if k not in ("fresh_day", "day_n_plus_1")}))
        console.print(f"written to {b.write_results('incremental', figures, command)}")
    if what in ("extraction", "all"):
        with console.status(f"extracting {rows:,} rows from PostgreSQL"):
            figures = b.bench_extraction(postgres_url, rows=rows)
        console.print_json(json.dumps(figures))
        console.print(f"written to {b.write_results('extraction', figures, command)}")
    if what in ("ingest", "all"):
        with tempfile.TemporaryDirectory(prefix="sehat-bench-") as home:
            os.environ["SEHAT_HOME"] = home
            for var in ("SEHAT_DATA_DIR", "SEHAT_WAREHOUSE", "SEHAT_READER", "SEHAT_PRODUCTION_URL"):
                os.environ.pop(var, None)
            t = time.perf_counter()
            generate(customers=customers, days=days, start=DEFAULT_START.isoformat(), seed=7, production_url=None)
            gen_seconds = time.perf_counter() - t
            day_list = days_between(DEFAULT_START, DEFAULT_START.fromordinal(DEFAULT_START.toordinal() + days - 1))
            with console.status(f"ingesting CleverTap files and the DuckDB ceiling, {repeats} times each, alternating;"
                                " then the pandas loader"):
                figures = b.bench_clevertap_ingest(settings(), day_list, repeats=repeats)
            figures["customers"] = customers
            figures["generate_seconds"] = round(gen_seconds, 2)
            figures["generated_events_per_s"] = round(figures["records_read"] / gen_seconds)
        console.print_json(json.dumps(figures))
        console.print(f"written to {b.write_results('ingest', figures, command)}")
    if what in ("dag-parse", "all"):
        from sehat.bench_airflow import bench_dag_parse

        with console.status(f"parsing every DAG file {repeats} times, as the DAG processor does"):
            figures = bench_dag_parse(repeats=repeats)
        console.print_json(json.dumps(figures))
        console.print(f"written to {b.write_results('dag_parse', figures, command)}")


@app.command()
def demo(
    customers: int = typer.Option(2000, help="Customers in the sample."),
    days: int = typer.Option(5, help="Days in the sample (each one runs through Airflow)."),
    seed: int = typer.Option(42, help="Random seed."),
    mode: str = typer.Option("airflow", help="How to run the days: airflow, dags-test or inprocess."),
) -> None:
    """The main job: generate a sample, run every day through Airflow, print the summary."""
    started = time.perf_counter()
    generate(customers=customers, days=days, start=DEFAULT_START.isoformat(), seed=seed, production_url=None)
    end = DEFAULT_START.fromordinal(DEFAULT_START.toordinal() + days - 1)
    run(day=None, start=DEFAULT_START.isoformat(), end=end.isoformat(), mode=mode)
    console.print(f"[bold green]demo finished in {time.perf_counter() - started:.0f}s[/]")


# Sub-commands owned by the model packages (each a typer app with its own --help).
from ml.prescriptions.cli import app as _prescriptions_app
from ml.sape.cli import app as _sape_app
from sehat.orchestrate import app as _airflow_app
from sehat.personalisation_cli import app as _personalisation_app

app.add_typer(_airflow_app, name="airflow")
app.add_typer(_prescriptions_app, name="prescriptions")
app.add_typer(_sape_app, name="sape")
app.add_typer(_personalisation_app, name="personalisation")

if __name__ == "__main__":
    app()
