"""``sehat sape ...``: train, evaluate, score one consultation, run the daily steps.

Registered in ``sehat/cli.py`` as ``sehat sape``; the steps are :mod:`ml.sape.job`, the gate and
publication :mod:`sehat.release.sape`.
"""

from __future__ import annotations

import json
import math
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


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _json_default(value):
    """numpy scalars for json.dumps: integers stay integers (ids), the rest become floats."""
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return float(value)


@app.command()
def train(
    sentences: Path = typer.Option(..., help=SENTENCES_HELP + " Required columns in docs/sape.md.", exists=True),
    consultations: Path = typer.Option(None, help=CONSULTATIONS_HELP + " Optional: subcategory models.",
                                       exists=True),
    out: Path = typer.Option(Path("sape_model.pkl"), help="Where to write the fitted model (pickle)."),
    label_source: str = typer.Option(None, help="Where the labels came from, recorded with the model "
                                                "(default: 'labelling-team:<sentence file name>')."),
    seed: int = typer.Option(0, help="Random seed."),
) -> None:
    """Fit the qualitative SAPE scorer on labelled files and save it (sentence labels alone suffice)."""
    from ml.sape.evaluate import LabelledData, read_table
    from ml.sape.training import LabelError
    from ml.sape.training import train as fit

    data = LabelledData(sentence_labels=read_table(sentences),
                        consultation_labels=read_table(consultations) if consultations else None)
    n_consultations = (data.sentence_labels["consultation_id"].nunique()
                       if "consultation_id" in data.sentence_labels else 0)
    p = _progress(f"training on {n_consultations} consultations")
    try:
        model, metrics = fit(data, seed, label_source=label_source or f"labelling-team:{sentences.name}")
    except LabelError as exc:
        _fail(str(exc))
    finally:
        p.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        pickle.dump(model, fh)
    typer.echo(json.dumps(metrics, indent=2, default=_json_default))
    for what, why in metrics["skipped"].items():
        typer.echo(f"skipped {what}: {why}")
    typer.echo(f"model written to {out}")


def _evaluate_saved(model: Path, test: Path, consultations: Path | None) -> None:
    from ml.sape.evaluate import read_table
    from ml.sape.training import LabelError, score_model

    with open(model, "rb") as fh:
        scorer = pickle.load(fh)
    try:
        figures = score_model(scorer, read_table(test), read_table(consultations) if consultations else None)
    except LabelError as exc:
        _fail(str(exc))
    figures["label_source"] = getattr(scorer, "label_source_", "unknown")
    typer.echo(json.dumps(figures, indent=2, default=_json_default))
    f = lambda v: "-" if v is None else f"{v:.3f}"
    typer.echo("| what | n | positives | accuracy (majority) | balanced acc. (majority) | macro-F1 (majority) "
               "| balanced acc. of the balanced reference |")
    typer.echo("| --- | --- | --- | --- | --- | --- | --- |")
    rows = [(f"sentence {c}", r) for c, r in figures["sentence"].items()]
    rows += list(figures.get("subcategory", {}).items())
    for name, r in rows:
        m, ref = r["majority"], r.get("balanced_reference") or {}
        typer.echo(f"| {name} | {r['n']} | {r['positives']} | {f(r['accuracy'])} ({f(m['accuracy'])}) | "
                   f"{f(r['balanced_accuracy'])} ({f(m['balanced_accuracy'])}) | "
                   f"{f(r['macro_f1'])} ({f(m['macro_f1'])}) "
                   f"| {f(ref.get('balanced_accuracy'))} |")


@app.command()
def evaluate(
    consultations: Path = typer.Option(None, help=CONSULTATIONS_HELP + " Default: the sample's labels/ folder."),
    sentences: Path = typer.Option(None, help=SENTENCES_HELP + " Default: the sample's labels/ folder."),
    truth_dir: Path = typer.Option(None, help="Generator truth folder (sape_*.parquet) for the best achievable;"
                                              " default: the sample's truth/ folder when no files are given."),
    out: Path = typer.Option(Path("reports/sape"), help="Report folder (report.md, report.json, plots)."),
    seed: int = typer.Option(0, help="Split and model seed."),
    model: Path = typer.Option(None, help="A saved model (pickle) to measure on --test instead of a split.",
                               exists=True),
    test: Path = typer.Option(None, help="Labelled sentence file to measure --model on.", exists=True),
) -> None:
    """Held-out comparison: dictionary vs trained questions, qualitative model, best achievable.

    With ``--model M --test F``: a saved model on a given labelled file (per category accuracy, balanced
    accuracy and macro-F1 beside the majority baseline; ``--consultations`` adds the subcategories).
    Without files it reads the labels the data dir holds (a generated sample has them); a generated
    corpus of any size, with the quantitative comparison, is ``sehat bench sape``.
    """
    from ml.sape.evaluate import LabelledData, markdown
    from ml.sape.evaluate import evaluate as run
    from sehat.config import settings
    from sehat.ingest.labels import CONSULTATION_FILE, SENTENCE_FILE

    if model or test:
        if not (model and test):
            _fail("pass both --model and --test")
        _evaluate_saved(model, test, consultations)
        return
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

    from ml.sape.text import split_sentences
    from sehat.release.sape import current_model

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
    # records keep each column's type (an id stays an integer); an unscored subcategory is null
    result = {k: None if isinstance(v, float) and math.isnan(v) else v
              for k, v in scorer.predict(frame).to_dict(orient="records")[0].items()}
    result["model_version"] = version
    typer.echo(json.dumps(result, indent=2, default=_json_default))


@app.command("run")
def run_daily(run_id: str = typer.Option("manual", help="Candidate id (the DAG uses its run id).")) -> None:
    """The DAG's four steps in one process: train+score, gate, publish, write scores (needs the writer)."""
    from ml.sape.job import write_scores
    from sehat.release import sape

    typer.echo(json.dumps(sape.train_candidate(run_id), indent=2))
    typer.echo(json.dumps(sape.validate_candidate(run_id), indent=2))
    published = sape.publish_candidate(run_id)
    typer.echo(json.dumps(published, indent=2))
    typer.echo(json.dumps(write_scores(sape.live_scores(version=published["model_version"])), indent=2))

