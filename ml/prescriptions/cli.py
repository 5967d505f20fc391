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
def train(data: Path = typer.Argument(..., help="Prescriptions (.parquet/.csv) in the input format of docs/prescriptions.md"),
          out: Path = typer.Option(Path("prescriptions_model.pkl"), help="Where to write the model"),
          catalogue: Path = typer.Option(None, help="Medicine catalogue (.parquet/.csv: name, brand, molecules)"),
          half_life_days: float = typer.Option(120.0, help="Recency half-life")):
    """Fit the recommender on a file and save it."""
    from ml.prescriptions import artifact
    from ml.prescriptions.model import PrescriptionRecommender

    with _spinner() as p:
        p.add_task(f"training on {data}", total=None)
        model = PrescriptionRecommender(half_life_days=half_life_days,
                                        catalogue=str(catalogue) if catalogue else None).fit(str(data))
    artifact.save(model, out)
    console.print({"model": str(out), **model.data_summary_, **model.timing_})


@app.command()
def evaluate(data: Path = typer.Argument(..., help="Prescriptions file (.parquet/.csv)"),
             catalogue: Path = typer.Option(None, help="Medicine catalogue"),
             truth: Path = typer.Option(None, help="Generator truth dir (adds the best-achievable column)"),
             test_days: int = typer.Option(14, help="Latest days held out for testing"),
             k: int = typer.Option(8, help="k of Accuracy@k"),
             max_rows: int = typer.Option(3000, help="Test prescriptions scored (sampled)"),
             report: Path = typer.Option(Path("prescriptions_report"), help="Directory for report.md, plot, metrics")):
    """Time-split evaluation: Accuracy@k one/all per field vs popularity (and best achievable)."""
    from ml.prescriptions.evaluate import evaluate as run
    from ml.prescriptions.evaluate import markdown_table, write_report

    with _spinner() as p:
        p.add_task("fit on the past, score the latest period", total=None)
        result = run(str(data), test_days=test_days, k=k, catalogue=str(catalogue) if catalogue else None,
                     truth_dir=truth, max_rows=max_rows)
    files = write_report(result, report)
    console.print(markdown_table(result))
    console.print({k_: str(v) for k_, v in files.items()})


@app.command()
def suggest(prescription: str = typer.Argument(..., help="JSON prescription, or @file.json"),
            model: Path = typer.Option(None, help="model.pkl (default: the published model)"),
            n: int = typer.Option(10, help="Suggestions per field")):
    """Suggestions for a (partial) prescription given as JSON."""
    from ml.prescriptions import artifact
    from ml.prescriptions.suggest import load_rules
    from ml.prescriptions.suggest import suggest as run

    text = Path(prescription[1:]).read_text() if prescription.startswith("@") else prescription
    m = artifact.load(model) if model else artifact.load_current()
    print(json.dumps(run(m, json.loads(text), n=n, rules=load_rules()), indent=2, ensure_ascii=False))


@app.command()
def retrain(tolerance: float = typer.Option(2.0, help="Points of Accuracy@8 one a field may lose vs the live model"),
            test_days: int = typer.Option(14, help="Held-out latest days")):
    """Daily retrain on the warehouse marts: train -> evaluate -> gate -> publish (what the DAG runs)."""
    from ml.prescriptions.pipeline import daily_retrain

    with _spinner() as p:
        p.add_task("retraining on marts.fct_prescriptions", total=None)
        result = daily_retrain(tolerance=tolerance, test_days=test_days)
    console.print(result)


if __name__ == "__main__":
    app()
