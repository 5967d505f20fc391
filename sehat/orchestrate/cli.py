"""``sehat airflow ...``: standalone on 127.0.0.1 and backfills of a date range."""

from __future__ import annotations

import time
from datetime import date

import typer

from sehat.orchestrate.api import ApiClient
from sehat.orchestrate.backfill import create_backfill, wait_for_backfill
from sehat.orchestrate.env import DAG_IDS
from sehat.orchestrate.scheduler import standalone, wait_until_ready

app = typer.Typer(
    help="Run Sehat on Airflow: `airflow standalone` on 127.0.0.1, backfills of a date range.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("standalone")
def standalone_command(
    port: int = typer.Option(8080, help="API/UI port on 127.0.0.1."),
) -> None:
    """Start `airflow standalone` bound to 127.0.0.1 (Ctrl-C stops every component)."""
    with standalone(port=port) as components:
        api = ApiClient(f"http://127.0.0.1:{port}")
        wait_until_ready(api, components, DAG_IDS, timeout=300)
        typer.echo(
            f"Airflow is up: http://127.0.0.1:{port} (user admin, all admins). Ctrl-C to stop."
        )
        try:
            while not components.dead():
                time.sleep(2)
        except KeyboardInterrupt:
            typer.echo("stopping Airflow")


@app.command("backfill")
def backfill_command(
    start: str = typer.Option(..., help="First day (YYYY-MM-DD)."),
    end: str = typer.Option(..., help="Last day, inclusive (YYYY-MM-DD)."),
    api_url: str = typer.Option(
        "",
        help="A running deployment's base URL; empty: start `airflow standalone` locally for the backfill.",
    ),
    port: int = typer.Option(8080, help="Port of the local standalone (when --api-url is empty)."),
    timeout: float = typer.Option(3600, help="Seconds to wait for the backfill."),
) -> None:
    """Backfill a date range with one command: Airflow's backfill of sehat_ingest, chaining transform and publish."""
    day_start, day_end = date.fromisoformat(start), date.fromisoformat(end)

    def run(api: ApiClient) -> dict[str, str]:
        for dag_id in DAG_IDS:
            api.unpause(dag_id)
        created = create_backfill(api, day_start, day_end)
        typer.echo(f"backfill {created['id']} of sehat_ingest {start}..{end} created")
        return wait_for_backfill(api, created, timeout=timeout)

    if api_url:
        states = run(ApiClient(api_url))
    else:
        with standalone(port=port) as components:
            api = ApiClient(f"http://127.0.0.1:{port}")
            wait_until_ready(api, components, DAG_IDS, timeout=300)
            states = run(api)
    for run_id, state in sorted(states.items()):
        typer.echo(f"{run_id}: {state}")
    if any(s != "success" for s in states.values()):
        raise typer.Exit(1)
