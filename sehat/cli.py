"""The ``sehat`` command line. ``sehat --help`` lists the commands; each has ``--help``.

Paths come from the environment (``SEHAT_HOME`` and friends, see
``sehat.config``); ``sehat where`` prints them.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sehat.cli_errors import SehatGroup
from sehat.config import engine as configured_engine
from sehat.config import settings
from sehat.errors import SehatError, day_range, parse_day

DEBUG_ENV = "SEHAT_DEBUG"


app = typer.Typer(
    cls=SehatGroup,
    help="Sehat: the tele-health data warehouse (CleverTap + production DB -> DuckDB -> dbt -> gated publishing).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a bug prints a plain traceback; expected errors one line
)
console = Console()

DEFAULT_START = date(2026, 11, 1)


@app.callback()
def _main(
    ctx: typer.Context,
    debug: bool = typer.Option(
        False, "--debug", envvar=DEBUG_ENV, help="Show the full traceback of any error."
    ),
) -> None:
    """Sehat: the tele-health data warehouse (CleverTap + production DB -> DuckDB -> dbt -> gated publishing)."""
    ctx.meta["sehat_debug"] = debug


def _days(day: str | None, start: str | None, end: str | None) -> list[date]:
    if day and (start or end):
        raise SehatError("give --date or --start/--end, not both")
    if day:
        return [parse_day(day, "--date")]
    if start and end:
        return day_range(start, end)
    raise SehatError("give --date YYYY-MM-DD, or --start and --end")


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
    timezone: str | None = typer.Option(
        None, help="The CleverTap account's time zone `ts` is written in (default: SEHAT_CLEVERTAP_TIMEZONE, "
        "the one the loader reads, else UTC)."
    ),
) -> None:
    """Generate CleverTap exports, API pages and a production database (deterministic)."""
    from sehat.generate import GenerateConfig
    from sehat.generate import generate as run_generate

    if customers < 1 or days < 1:
        raise SehatError(
            f"--customers and --days must be at least 1 (got {customers} and {days})"
        )
    cfg = settings()
    config = GenerateConfig(
        customers=customers,
        days=days,
        start=parse_day(start, "--start"),
        seed=seed,
        data_dir=cfg.data_dir,
        production_url=production_url,
        timezone=timezone if isinstance(timezone, str) else cfg.clevertap_timezone,  # also when called as a function
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
    allow_shrink: bool = typer.Option(
        False, "--allow-shrink",
        help="Let a rerun replace a loaded CleverTap day with fewer landing files than its last load "
        "(refused otherwise; sets SEHAT_CLEVERTAP_ALLOW_SHRINK for every task of the run).",
    ),
    engine: str | None = typer.Option(
        None, "--engine",
        help="Where dbt builds: duckdb (default) or spark (the [spark] extra: make setup-spark; "
        "docs/spark.md). Sets SEHAT_ENGINE for every task of the run.",
    ),
) -> None:
    """Run the daily pipeline (ingest -> dbt -> gate -> publish) for a date or a range."""
    days = _days(day, start, end)
    if isinstance(engine, str):  # (not the typer default object when run() is called as a function)
        os.environ["SEHAT_ENGINE"] = engine
        configured_engine()  # an unknown engine stops here, in one line
        if engine == "spark":
            from sehat.transform.spark import require_pyspark

            require_pyspark()
    if allow_shrink is True:  # (not the typer default object when run() is called as a function)
        os.environ["SEHAT_CLEVERTAP_ALLOW_SHRINK"] = "1"  # inherited by Airflow's processes and read by settings()
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
        from sehat.daily import run_day

        for d in days:
            run_day(d, log=console.print)
    else:
        raise SehatError(f"unknown --mode {mode!r}: give airflow, dags-test or inprocess")
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
    """Show what is live in the publication area (segments, exports, models) and its gate results."""
    from sehat.release import releases

    pubs = [r.current() for r in releases()]
    if not pubs:
        console.print("nothing published yet")
        return
    table = Table("kind", "name", "as of / version", "rows", "published at")
    for p in pubs:
        table.add_row(p["kind"], p["name"], p.get("as_of") or p["publication_id"], str(p.get("rows", "")),
                      p["published_at"])
    console.print(table)
    for p in pubs:  # full paths, unwrapped, to open or copy
        console.print(f"{p['kind']}/{p['name']}: {p['path']}", soft_wrap=True, highlight=False)
        docs = (p.get("gate") or {}).get("data_docs")
        if docs:
            console.print(f"  gate results (Data Docs): {docs}", soft_wrap=True, highlight=False)


@app.command()
def status() -> None:
    """Rows per layer in the warehouse snapshot, the last loads, and what is published."""
    _print_summary()


def _print_summary() -> None:
    from sehat.release.exports import list_publications
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
    _print_clevertap_notes(cfg)
    pubs = list_publications(cfg)
    for p in pubs:
        console.print(f"published [bold]{p['segment']}[/] as of {p['as_of']}: {p['rows']} rows -> {p['path']}")
    console.print(
        f"query it: [bold].venv/bin/sehat sql \"SELECT * FROM marts.dim_customers LIMIT 5\"[/]"
        f"  or  [bold]python -c \"import duckdb; print(duckdb.connect('{cfg.reader_path}',"
        f" read_only=True).sql('SHOW ALL TABLES'))\"[/]"
    )


def _print_clevertap_notes(cfg) -> None:
    """Custom (not catalogued) CleverTap events per name, and the warnings of the CleverTap loads."""
    from sehat.warehouse import restricted_reader

    with restricted_reader(cfg) as con:
        details = [json.loads(d) for (d,) in con.execute(
            "SELECT detail FROM raw.load_log WHERE source = 'clevertap' ORDER BY batch_date").fetchall() if d]
    custom: dict[str, int] = {}
    for d in details:
        for name, n in (d.get("custom_events") or {}).items():
            custom[name] = custom.get(name, 0) + n
    if custom:
        ct = Table("event", "loaded", title="CleverTap custom events (not in the catalogue seed)")
        for name, n in sorted(custom.items(), key=lambda kv: -kv[1]):
            ct.add_row(name, f"{n:,}")
        console.print(ct)
    for d in details:
        for warning in d.get("warnings") or []:
            console.print(f"[bold yellow]CleverTap warning[/]: {warning}")
    _print_events_without_object_id(cfg)


def _print_events_without_object_id(cfg) -> None:
    """CleverTap events whose record has no objectId, per name: how many the identity graph attributed."""
    import duckdb

    from sehat.warehouse import restricted_reader

    with restricted_reader(cfg) as con:
        try:
            rows = con.execute(
                "SELECT event_name, count(*), count(customer_key)"
                " FROM intermediate.int_events_without_object_id_attributed"
                " GROUP BY ALL ORDER BY 2 DESC, 1").fetchall()
        except duckdb.Error:  # not built yet
            return
    if rows:
        t = Table("event", "events", "attributed", "unattributed",
                  title="CleverTap events without a CleverTap ID (objectId): unattributed ones count in no customer")
        for name, n, attributed in rows:
            t.add_row(name, f"{n:,}", f"{attributed:,}", f"{n - attributed:,}")
        console.print(t)


@app.command()
def erase(
    user_id: list[int] = typer.Option(
        [], "--user-id",
        help="Also erase this production user (an erasure request that arrived directly); repeatable."),
) -> None:
    """Purge the personal data of users deleted at the source (and of --user-id) from the warehouse's raw layer.

    The daily run does the same after every ingest; derived tables follow at the next transform.
    """
    from sehat.erasure import erase as run_erasure

    cfg = settings()
    bad = [u for u in user_id if u <= 0]
    if bad:
        raise SehatError(f"--user-id {bad[0]} is not a production user id (a positive integer)")
    if not cfg.warehouse_path.exists():
        raise SehatError(f"no warehouse at {cfg.warehouse_path} yet: nothing to erase (run `sehat run` first)")
    report = run_erasure(cfg, user_ids=user_id)
    table = Table("user_id", "reason", "rows purged", "where")
    for uid, done in sorted(report.users.items()):
        table.add_row(str(uid), done["reason"], str(sum(done["purged"].values())),
                      ", ".join(f"{rel} {n}" for rel, n in sorted(done["purged"].items())) or "-")
    if report.users:
        console.print(table)
    console.print(f"{report.subjects} user(s) to erase, {len(report.users)} purged now, "
                  f"{report.rows_purged} rows; audit: raw.erasure_log")
    for uid in report.unknown:
        console.print(f"user {uid} has nothing in the warehouse yet: recorded, purged whenever it arrives")
    for uid in report.still_in_app:
        console.print(f"user {uid} still has an account in the app: delete it there, or the release gate refuses "
                      "every publication that holds them (the segments leave out only users deleted at the source)")
    if report.rows_purged:
        console.print("derived tables and the snapshots follow at the next transform (sehat_transform / sehat run)")


@app.command()
def demo(
    customers: int = typer.Option(2000, help="Customers in the sample."),
    days: int = typer.Option(5, help="Days in the sample (each one runs through Airflow)."),
    seed: int = typer.Option(42, help="Random seed."),
    mode: str = typer.Option("airflow", help="How to run the days: airflow, dags-test or inprocess."),
) -> None:
    """The main job: generate a sample, run every day through Airflow, print the summary."""
    started = time.perf_counter()
    # The demo account is in India (+05:30), as the sample's real-world counterpart: CleverTap writes
    # `ts` in that time zone and the loader converts it to UTC. Set SEHAT_CLEVERTAP_TIMEZONE to change it.
    os.environ.setdefault("SEHAT_CLEVERTAP_TIMEZONE", "Asia/Kolkata")
    generate(customers=customers, days=days, start=DEFAULT_START.isoformat(), seed=seed, production_url=None,
             timezone=None)
    end = DEFAULT_START.fromordinal(DEFAULT_START.toordinal() + days - 1)
    run(day=None, start=DEFAULT_START.isoformat(), end=end.isoformat(), mode=mode, allow_shrink=False)
    console.print(f"[bold green]demo finished in {time.perf_counter() - started:.0f}s[/]")


# Sub-commands (each a typer app with its own --help): the models' (sehat/commands/), Airflow, benchmarks.
from sehat.bench.cli import app as _bench_app
from sehat.commands.personalisation import app as _personalisation_app
from sehat.commands.prescriptions import app as _prescriptions_app
from sehat.commands.sape import app as _sape_app
from sehat.orchestrate.cli import app as _airflow_app

app.add_typer(_airflow_app, name="airflow")
app.add_typer(_prescriptions_app, name="prescriptions")
app.add_typer(_sape_app, name="sape")
app.add_typer(_personalisation_app, name="personalisation")
app.add_typer(_bench_app, name="bench")

if __name__ == "__main__":
    app()
