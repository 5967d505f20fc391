"""``sehat sape ...``: train, evaluate, score one consultation, run the daily steps.

Register in ``sehat/cli.py`` with ``app.add_typer(sape_app, name="sape")`` where
``from ml.sape.cli import app as sape_app``.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import typer

app = typer.Typer(help="SAPE consultation-quality scoring (Subjective, Assessment, Planning, Etiquette).",
                  no_args_is_help=True)

CONSULTATIONS_HELP = "Consultation labels file (Parquet/CSV, format in data/labels/README.md)."
SENTENCES_HELP = "Sentence labels file (Parquet/CSV, format in data/labels/README.md)."


def _progress(description: str):
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True)
    progress.start()
    progress.add_task(description)
    return progress


@app.command()
def train(
    consultations: Path = typer.Option(..., help=CONSULTATIONS_HELP, exists=True),
    sentences: Path = typer.Option(..., help=SENTENCES_HELP, exists=True),
    out: Path = typer.Option(Path("sape_model.pkl"), help="Where to write the fitted model (pickle)."),
    seed: int = typer.Option(0, help="Random seed."),
) -> None:
    """Fit the qualitative SAPE scorer on labelled files and save it."""
    from ml.sape.evaluate import LabelledData
    from ml.sape.production import train as fit

    data = LabelledData.from_files(consultations, sentences)
    p = _progress(f"training on {len(data.consultation_labels)} consultations")
    try:
        model, metrics = fit(data, seed)
    finally:
        p.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        pickle.dump(model, fh)
    typer.echo(json.dumps(metrics, indent=2))
    typer.echo(f"model written to {out}")


@app.command()
def evaluate(
    consultations: Path = typer.Option(None, help=CONSULTATIONS_HELP + " Default: the sample's labels/ folder."),
    sentences: Path = typer.Option(None, help=SENTENCES_HELP + " Default: the sample's labels/ folder."),
    truth_dir: Path = typer.Option(None, help="Generator truth folder (sape_*.parquet) for the best achievable;"
                                              " default: the sample's truth/ folder when no files are given."),
    out: Path = typer.Option(Path("reports/sape"), help="Report folder (report.md, report.json, plots)."),
    seed: int = typer.Option(0, help="Split and model seed."),
) -> None:
    """Held-out comparison: dictionary vs trained questions, qualitative model, best achievable.

    Without files it reads the labels the data dir holds (a generated sample has them); a generated
    corpus of any size, with the quantitative comparison, is ``sehat bench sape``.
    """
    from ml.sape.evaluate import LabelledData, markdown
    from ml.sape.evaluate import evaluate as run
    from sehat.config import settings
    from sehat.ingest.labels import CONSULTATION_FILE, SENTENCE_FILE

    if not (consultations and sentences):
        data_dir = settings().data_dir
        consultations = consultations or data_dir / "labels" / CONSULTATION_FILE
        sentences = sentences or data_dir / "labels" / SENTENCE_FILE
        truth_dir = truth_dir or data_dir / "truth"
        if not (consultations.exists() and sentences.exists()):
            raise typer.BadParameter(f"no label files at {consultations.parent}: pass --consultations and "
                                     "--sentences, or generate a sample first")
    data = LabelledData.from_files(consultations, sentences, truth_dir)
    p = _progress("evaluating (quantitative models x samplers, qualitative pipeline)")
    try:
        report = run(data, out, seed=seed)
    finally:
        p.stop()
    typer.echo(markdown(report))
    typer.echo(f"report written to {out}")


@app.command()
def score(
    chat: Path = typer.Argument(..., help="JSON file ('-' for stdin): {\"consultation_id\": 1, \"messages\": "
                                          "[{\"speaker\": \"doctor\", \"body\": \"...\"}, ...]} in chat order."),
    model: Path = typer.Option(None, help="Model pickle (default: the published CURRENT model)."),
) -> None:
    """Score one consultation given as JSON; prints the eight subcategories and four category scores."""
    import pandas as pd

    from ml.sape.production import current_model
    from ml.sape.text import split_sentences

    payload = json.loads(sys.stdin.read() if str(chat) == "-" else chat.read_text())
    if model:
        with open(model, "rb") as fh:
            version, scorer = str(model), pickle.load(fh)
    else:
        found = current_model()
        if found is None:
            raise typer.BadParameter("no published model: pass --model or run the sehat_consultation_quality DAG")
        version, scorer = found
    cid = payload.get("consultation_id", 0)
    rows = [(cid, i, j, m["speaker"], s) for i, m in enumerate(payload["messages"])
            for j, s in enumerate(split_sentences(m["body"]))]
    frame = pd.DataFrame(rows, columns=["consultation_id", "message_id", "sentence_index", "speaker", "sentence"])
    result = scorer.predict(frame).iloc[0].to_dict()
    result["model_version"] = version
    typer.echo(json.dumps(result, indent=2, default=float))


@app.command("run")
def run_daily(run_id: str = typer.Option("manual", help="Candidate id (the DAG uses its run id).")) -> None:
    """The DAG's four steps in one process: train+score, gate, publish, write scores (needs the writer)."""
    from ml.sape import production

    typer.echo(json.dumps(production.train_candidate(run_id), indent=2))
    typer.echo(json.dumps(production.validate_candidate(run_id), indent=2))
    typer.echo(json.dumps(production.publish_candidate(run_id), indent=2))
    typer.echo(json.dumps(production.write_scores(run_id), indent=2))
