"""``sehat prescriptions ...``: train, evaluate, suggest, publish, bench (typer)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

app = typer.Typer(help="Prescription recommender: train on a Parquet/CSV file, evaluate, suggest, publish, bench.",
                  no_args_is_help=True)
console = Console()


def _spinner():
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console)


@app.command()
def train(data: Path = typer.Argument(
              ..., help="Prescriptions (.parquet/.csv) in the input format of docs/prescriptions.md"),
          out: Path = typer.Option(Path("prescriptions_model.pkl"), help="Where to write the model"),
          catalogue: Path = typer.Option(None, help="Medicine catalogue (.parquet/.csv: name, brand, molecules)"),
          half_life_days: float = typer.Option(120.0, help="Recency half-life"),
          rules: Path = typer.Option(None, help="Doctor-input rules (.csv: diagnosis_code, field, value, rule)")):
    """Fit the recommender on a file and save it."""
    from ml.prescriptions.data import prepare
    from ml.prescriptions.job import save
    from ml.prescriptions.model import PrescriptionRecommender

    for path in (data, catalogue, rules):
        if path is not None and not path.exists():
            _fail(f"no such file: {path}")
    try:
        with _spinner() as p:
            p.add_task(f"training on {data}", total=None)
            model = PrescriptionRecommender(half_life_days=half_life_days)
            with prepare(str(data), str(catalogue) if catalogue else None, rules, model.memory_limit) as tables:
                model.fit(tables)
    except ValueError as exc:  # the input's shape (missing columns, a bad rule): one line
        _fail(str(exc))
    save(model, out)
    console.print({"model": str(out), **model.data_summary_, **model.timing_})


def _fail(message: str) -> None:
    """An expected error: one line saying what to do, exit code 1 (no traceback)."""
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def evaluate(data: Path = typer.Argument(..., help="Prescriptions file (.parquet/.csv)"),
             catalogue: Path = typer.Option(None, help="Medicine catalogue"),
             truth: Path = typer.Option(None, help="Generator truth dir (adds the best-achievable column)"),
             test_share: float = typer.Option(0.2, help="Latest share of the prescriptions (by time) held out"),
             test_days: int = typer.Option(None, help="Hold out the latest N days instead of --test-share"),
             min_n: int = typer.Option(30, help="Fewest test prescriptions for a figure worth reading "
                                              "(fewer in all: refused; in a field: marked unreliable)"),
             half_life_days: float = typer.Option(120.0, help="Recency half-life of the model (as in train)"),
             k: int = typer.Option(8, help="k of Accuracy@k"),
             max_rows: int = typer.Option(3000, help="Test prescriptions scored (sampled)"),
             report: Path = typer.Option(None, help="Directory for report.md, plot, metrics "
                                                    "(default: $SEHAT_HOME/reports/prescriptions/<time>)")):
    """Time-split evaluation: Accuracy@k one/all per field vs popularity (and best achievable), with n."""
    from datetime import UTC, datetime

    from ml.prescriptions.evaluate import TooFewTestPrescriptions, markdown_table, write_report
    from ml.prescriptions.evaluate import evaluate as run
    from sehat.config import settings

    if not data.exists():
        _fail(f"no such file: {data}")
    if report is None:
        report = settings().home / "reports" / "prescriptions" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    try:
        with _spinner() as p:
            p.add_task("fit on the past, score the latest period", total=None)
            result = run(str(data), test_days=test_days, test_share=test_share, min_n=min_n, refuse=True, k=k,
                         catalogue=str(catalogue) if catalogue else None, truth_dir=truth, max_rows=max_rows,
                         model_params={"half_life_days": half_life_days})
    except TooFewTestPrescriptions as exc:
        _fail(str(exc))
    except ValueError as exc:  # the input's shape (missing columns, bad share): one line
        _fail(str(exc))
    files = write_report(result, report)
    console.print(markdown_table(result))
    unreliable = [f for f, r in result["fields"].items() if not r["reliable"]]
    if unreliable:
        console.print(f"[yellow]unreliable (n < {min_n}):[/yellow] {', '.join(unreliable)}")
    if result.get("diagnosis_code_systems"):
        console.print({"diagnosis code systems (%)": result["diagnosis_code_systems"]})
    console.print({k_: str(v) for k_, v in files.items()})


@app.command()
def suggest(prescription: str = typer.Argument(..., help="JSON prescription, or @file.json"),
            model: Path = typer.Option(None, help="model.pkl (default: the published model)"),
            n: int = typer.Option(10, help="Suggestions per field")):
    """Suggestions for a (partial) prescription given as JSON."""
    from ml.prescriptions.job import load
    from ml.prescriptions.suggest import load_rules
    from ml.prescriptions.suggest import suggest as run
    from sehat.release.prescriptions import load_live

    text = Path(prescription[1:]).read_text() if prescription.startswith("@") else prescription
    m = load(model) if model else load_live()[1]
    print(json.dumps(run(m, json.loads(text), n=n, rules=load_rules()), indent=2, ensure_ascii=False))


@app.command()
def retrain(tolerance: float = typer.Option(2.0, help="Points of Accuracy@8 one a field may lose vs the live model"),
            test_days: int = typer.Option(14, help="Held-out latest days")):
    """Daily retrain on the warehouse marts: train -> evaluate -> gate -> publish (what the DAG runs)."""
    from sehat.release.prescriptions import daily_retrain

    with _spinner() as p:
        p.add_task("retraining on marts.fct_prescriptions", total=None)
        result = daily_retrain(tolerance=tolerance, test_days=test_days)
    console.print(result)


@app.command("parse-eval")
def parse_eval():
    """The medicine-name parser on the labelled names of tests/fixtures/medicines
    -> benchmarks/results/medicine_parser.json."""
    from sehat.bench.cli import medicine_parser

    medicine_parser()


if __name__ == "__main__":
    app()
