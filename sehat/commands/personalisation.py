"""``sehat personalisation ...``: segments, personalisation models and exports (benchmarks: ``sehat bench``).

Registered in ``sehat/cli.py`` as ``sehat personalisation``; the steps are :mod:`ml.personalisation.job`,
the gate and publication :mod:`sehat.release.exports`.
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Declarative segments, cohorts, recommendations, content ranking, experiments, exports.",
                  no_args_is_help=True)
console = Console()


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console)


@app.command("compile-segments")
def compile_segments_cmd(
    check: bool = typer.Option(False, "--check", help="Only report stale generated files (exit 1 if any)."),
) -> None:
    """Validate dbt_project/segments/*.yml and (re)generate their dbt models."""
    from sehat.segments import SegmentDefinitionError, compile_segments

    try:
        changed = compile_segments(check=check)
    except SegmentDefinitionError as exc:
        console.print(f"[red]invalid segment definition[/red]: {exc}")
        raise typer.Exit(2) from None
    for path in changed:
        console.print(f"{'stale' if check else 'wrote'} {path}")
    if check and changed:
        console.print("[red]generated segment models are stale: run `sehat personalisation compile-segments`[/red]")
        raise typer.Exit(1)
    console.print(f"[green]segments ok[/green] ({len(changed)} file(s) {'stale' if check else 'written'})")


@app.command("check-condition")
def check_condition_cmd(
        condition: str = typer.Argument(..., help="A SQL condition over the customer profile.")) -> None:
    """Tell whether a segment condition would be accepted, and why not."""
    from sehat.segments import validate_condition

    problems = validate_condition(condition)
    if problems:
        for p in problems:
            console.print(f"[red]-[/red] {p}")
        raise typer.Exit(1)
    console.print("[green]valid[/green]")


@app.command("train")
def train_cmd(
    step: str = typer.Argument("all", help="all | cohorts | recommendations | content | experiments"),
) -> None:
    """Train / score the personalisation models from the snapshot into ml.* (holds the writer)."""
    from ml.personalisation import job as p
    from sehat.warehouse import refresh_reader

    steps = {"cohorts": p.train_cohorts, "recommendations": p.train_recommendations,
             "content": p.rank_content, "experiments": p.analyse_experiments}
    names = list(steps) if step == "all" else [step]
    if any(n not in steps for n in names):
        raise typer.BadParameter(f"unknown step {step!r}; use all or one of {', '.join(steps)}")
    results = {}
    with _progress() as progress:
        for name in names:
            task = progress.add_task(f"{name} ...", total=None)
            results[name] = steps[name]()
            refresh_reader()
            progress.update(task, description=f"{name} done")
    console.print_json(json.dumps(results, default=str))


@app.command("publish")
def publish_cmd(
    day: str = typer.Option(None, help="as-of day recorded in the publication (default: today)."),
    run_id: str = typer.Option(None, help="publication run id (default: manual__<time>)."),
    only: Annotated[list[str] | None, typer.Option("--only", help="export name(s); default: every one.")] = None,
) -> None:
    """Gate and publish segments, recommendations, content rankings and cohorts (file drop + campaign DB)."""
    from sehat.release.exports import publish_many, validate_many
    from sehat.segments import registry

    names = list(only) if only else list(registry())
    run_id = run_id or f"manual__{int(time.time())}"
    with _progress() as progress:
        task = progress.add_task("quality gate ...", total=None)
        gate = validate_many(names, day or date.today().isoformat(), run_id)
        progress.update(task, description="publishing ...")
        result = publish_many(gate["passed"], run_id)
        progress.update(task, description="done")
    table = Table("export", "result")
    for name in names:
        table.add_row(name, result["published"].get(name) or gate["failed"].get(name) or result["failed"].get(name, ""))
    console.print(table)
    if gate["failed"] or result["failed"]:
        raise typer.Exit(1)
