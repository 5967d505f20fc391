"""``sehat airflow ...``: standalone on 127.0.0.1 and backfills of a date range."""

from __future__ import annotations

import time

import typer

from sehat.cli_errors import SehatGroup
from sehat.errors import SehatError, day_range
from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.backfill import backfill_chain
from sehat.orchestrate.chain import settle
from sehat.orchestrate.env import DAG_IDS
from sehat.orchestrate.processes import signals_as_interrupt
from sehat.orchestrate.scheduler import standalone, wait_until_ready

app = typer.Typer(
    cls=SehatGroup,
    pretty_exceptions_enable=False,
    help="Run Sehat on Airflow: `airflow standalone` on 127.0.0.1, backfills of a date range.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("standalone")
def standalone_command(
    port: int = typer.Option(8080, help="API/UI port on 127.0.0.1."),
) -> None:
    """Start `airflow standalone` bound to 127.0.0.1 (Ctrl-C or SIGTERM stops every component)."""
    # SIGTERM (`kill <pid>`, a service manager) leaves the `with` like Ctrl-C: the group stops
    with signals_as_interrupt():
        try:
            with standalone(port=port) as components:
                api = ApiClient(f"http://127.0.0.1:{port}")
                wait_until_ready(api, components, DAG_IDS, timeout=300)
                typer.echo(
                    f"Airflow is up: http://127.0.0.1:{port} (user admin, all admins)."
                    " Ctrl-C to stop."
                )
                while not components.dead():
                    time.sleep(2)
        except KeyboardInterrupt:
            typer.echo("Airflow stopped")


@app.command("backfill")
def backfill_command(
    start: str = typer.Option(..., help="First day (YYYY-MM-DD)."),
    end: str = typer.Option(..., help="Last day, inclusive (YYYY-MM-DD)."),
    api_url: str = typer.Option(
        "",
        help="A running deployment's base URL; empty: start `airflow standalone` locally for the backfill.",
    ),
    port: int = typer.Option(8080, help="Port of the local standalone (when --api-url is empty)."),
    timeout: float = typer.Option(3600, help="Seconds to wait for the whole chain."),
) -> None:
    """Backfill a date range: Airflow's backfill of sehat_ingest, then wait for each day's
    transform and publish runs; prints every DAG run's final state, exits 1 if any failed."""
    days = day_range(start, end)
    if api_url:
        # a deployment we do not own: report, never fail or stop its runs
        watcher = backfill_chain(ApiClient(api_url), days[0], days[-1], timeout=timeout)
    else:
        with signals_as_interrupt(), standalone(port=port) as components:
            api = ApiClient(f"http://127.0.0.1:{port}")
            wait_until_ready(api, components, DAG_IDS, timeout=300)
            try:
                watcher = backfill_chain(
                    api, days[0], days[-1], timeout=timeout, dead=components.dead
                )
            except KeyboardInterrupt:
                settle(api)  # then stop the group: no run left "running"
                raise
            # never stop the group while a run is running: it would stay "running"
            if not components.dead():
                watcher.settled(settle(api))
    for dag_id, run_id, state in watcher.report():
        typer.echo(f"{dag_id} {run_id}: {state}")
    if watcher.failures or not watcher.done:
        raise SehatError("backfill failed: " + "; ".join(watcher.failures or ["chain unfinished"]))
