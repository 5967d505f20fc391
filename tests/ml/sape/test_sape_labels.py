"""SAPE on a user's labelled files (issue 16): minimal columns, one-class and missing columns, imbalance,
questions without "?", evaluating a saved model on a given file, integer ids."""

from __future__ import annotations

import json
import pickle

import pytest
from typer.testing import CliRunner

from ml.sape.evaluate import LabelledData, split
from ml.sape.question import QuestionClassifier, strip_question_marks
from ml.sape.sentence import SentenceCategoryClassifier
from sehat.commands.sape import app
from sehat.generate.labels import corpus
from tests.ml.sape.dialogue import consultation_labels, sentence_labels


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The minimal documented shape: sentence labels (CSV) + consultation labels with two columns."""
    d = tmp_path_factory.mktemp("labels")
    s = sentence_labels(60, seed=0)
    s.to_csv(d / "sentences.csv", index=False)
    consultation_labels(s).to_csv(d / "consultations.csv", index=False)
    sentence_labels(30, seed=1).to_csv(d / "test.csv", index=False)
    return d


def test_fixture_is_imbalanced_like_real_dialogue():
    doctor = sentence_labels(60, seed=0).query("speaker == 'doctor'")
    assert 0.85 <= (doctor["category"] == "S").mean() <= 0.93


def test_sentence_labels_alone_train_and_say_what_was_skipped(files, tmp_path):
    result = CliRunner().invoke(app, ["train", "--sentences", str(files / "sentences.csv"),
                                      "--out", str(tmp_path / "m.pkl")])
    assert result.exit_code == 0, result.output
    assert "skipped s_main_symptoms: no consultation labels given" in result.output
    with open(tmp_path / "m.pkl", "rb") as fh:
        model = pickle.load(fh)
    assert model.label_source_ == "labelling-team:sentences.csv"
    assert model.predict(sentence_labels(3, seed=2))["s_score"].isna().all()  # not trained, not invented


def test_missing_and_one_class_columns_give_one_line_each(files, tmp_path):
    result = CliRunner().invoke(app, ["train", "--sentences", str(files / "sentences.csv"),
                                      "--consultations", str(files / "consultations.csv"),
                                      "--out", str(tmp_path / "m.pkl"), "--label-source", "generated"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "skipped a_possible_etiology: only one class in the labels (every value 0)" in result.output
    assert "skipped s_main_symptoms: no such column in the consultation labels" in result.output
    metrics = json.loads(result.output[:result.output.index("\nskipped")])
    assert metrics["label_source"] == "generated"
    assert "p_medical_recommendation" in metrics["holdout"]["subcategory"]
    assert metrics["imbalance"]["A"]["threshold"] == 0.5 and "balanced" in metrics["imbalance"]["A"]["chosen_by"]


def test_unusable_sentence_file_is_one_clear_line(files, tmp_path):
    import pandas as pd

    pd.read_csv(files / "sentences.csv").drop(columns=["category"]).to_csv(tmp_path / "s.csv", index=False)
    result = CliRunner().invoke(app, ["train", "--sentences", str(tmp_path / "s.csv"), "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        ("error: sentence labels lack column(s) category (required: consultation_id, message_id, sentence_index, "
         "speaker, sentence, category; see docs/sape.md)")]


def test_evaluate_a_saved_model_on_a_given_file(files, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["train", "--sentences", str(files / "sentences.csv"),
                               "--out", str(tmp_path / "m.pkl")]).exit_code == 0
    result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "m.pkl"), "--test", str(files / "test.csv")])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output[:result.output.index("\n| what")])
    a = figures["sentence"]["A"]
    assert a["n"] == figures["sentences"] and a["positives"] > 0
    assert a["majority"]["balanced_accuracy"] == 0.5 and a["balanced_accuracy"] > 0.8
    assert a["macro_f1"] > a["majority"]["macro_f1"]
    assert "| sentence A |" in result.output
    for c in "SAP":  # the balanced reference the trainer fitted beside the model
        assert figures["sentence"][c]["balanced_reference"]["balanced_accuracy"] > 0.5


def test_minority_categories_are_found_on_imbalanced_labels():
    """~88% Subjective: balanced weights find the A and P sentences, and beat the plain (unweighted)
    classifier at 0.5 on them."""
    train, test = sentence_labels(60, seed=0), sentence_labels(60, seed=1)
    tuned = SentenceCategoryClassifier().fit(train["sentence"], train["category"])
    plain = SentenceCategoryClassifier(threshold=0.5, class_weight=None).fit(train["sentence"], train["category"])
    got, base = tuned.predict(test["sentence"]), plain.predict(test["sentence"])
    for k, cat in ((1, "A"), (2, "P")):
        y = (test["category"] == cat).to_numpy()
        recall, plain_recall = got[y, k].mean(), base[y, k].mean()
        assert recall >= 0.9 and recall > plain_recall + 0.1, (cat, recall, plain_recall)
        assert tuned.imbalance_[cat]["positive_share"] < 0.05
        assert tuned.imbalance_[cat]["class_weight"] == "balanced"


def test_question_classifier_does_not_lean_on_the_question_mark():
    """Trained where every question has "?" (as in real chats), tested on questions with "?" removed."""
    d = LabelledData.from_corpus(corpus(200, seed=5)).sentence_labels
    train_ids, test_ids = split(d.consultation_id.to_numpy(), 0.4, 0)
    train, test = d[d.consultation_id.isin(train_ids)], d[d.consultation_id.isin(test_ids)]
    marked = train["sentence"].str.contains("?", regex=False)
    train = train[marked == train["is_question"].astype(bool)]
    questions = test.loc[test["is_question"].astype(bool), "sentence"].map(strip_question_marks)
    augmented = QuestionClassifier().fit(train["sentence"], train["is_question"]).predict(questions).mean()
    plain = QuestionClassifier(augment=False).fit(train["sentence"], train["is_question"]).predict(questions).mean()
    assert augmented > 0.8 and augmented > plain + 0.15, (augmented, plain)


def test_evaluate_without_is_question_runs():
    from ml.sape.evaluate import evaluate

    data = LabelledData.from_corpus(corpus(120, seed=3))
    data.sentence_labels = data.sentence_labels.drop(columns=["is_question"])
    report = evaluate(data, quantitative=False)
    assert "question" not in report and report["sentence"]["S"]["model"] > 0.8


def test_score_keeps_consultation_ids_integers(files, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["train", "--sentences", str(files / "sentences.csv"),
                               "--consultations", str(files / "consultations.csv"),
                               "--out", str(tmp_path / "m.pkl")]).exit_code == 0
    chat = {"consultation_id": 12345, "messages": [
        {"speaker": "doctor", "body": "Sudah berapa hari demamnya?"}, {"speaker": "patient", "body": "3 hari dok"},
        {"speaker": "doctor", "body": "Please take paracetamol 500 mg three times a day after meals."}]}
    (tmp_path / "chat.json").write_text(json.dumps(chat))
    result = runner.invoke(app, ["score", str(tmp_path / "chat.json"), "--model", str(tmp_path / "m.pkl")])
    assert result.exit_code == 0, result.output
    assert '"consultation_id": 12345,' in result.output
    scores = json.loads(result.output)
    assert isinstance(scores["consultation_id"], int)
    assert scores["s_main_symptoms"] is None  # no labels for it: unscored, valid JSON


def test_feature_plots_have_a_y_scale():
    """Issue 20: the SAPE feature distribution plots showed no y-scale."""
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from ml.sape.evaluate import feature_distribution_figure
    from ml.sape.features import NUMERIC

    rng = np.random.default_rng(0)
    ids = np.arange(90)
    features = pd.DataFrame(rng.random((90, len(NUMERIC))), columns=NUMERIC,
                            index=pd.Index(ids, name="consultation_id"))
    labels = pd.DataFrame({"consultation_id": ids, "s_score": np.tile([0.0, 0.5, 1.0], 30)})
    fig = feature_distribution_figure(features, labels)
    fig.canvas.draw()
    for ax in fig.axes:
        assert len(ax.get_yticks()) >= 2
        assert any(t.get_text() for t in ax.get_yticklabels()) or not ax.get_subplotspec().is_first_col()
    assert all(any(t.get_text() for t in ax.get_yticklabels())
               for ax in fig.axes if ax.get_subplotspec().is_first_col())
    plt.close(fig)
