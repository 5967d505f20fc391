"""SAPE models on a small generated corpus: the generator's truth is consistent and does not leak into the
quantitative features, the trained models beat the dictionary and recover the truth, and the CLI trains
from files in the documented format and scores a consultation given as JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from ml.sape.dictionary import DictionaryQuestionClassifier, EtiquetteDictionary
from ml.sape.evaluate import LabelledData, split
from ml.sape.features import quantitative_features
from ml.sape.qualitative import SCORE_COLUMNS, SapeScorer
from ml.sape.quantitative import QuantitativeScorer
from ml.sape.question import QuestionClassifier
from ml.sape.text import split_sentences
from sehat.generate.labels import corpus


@pytest.fixture(scope="module")
def data() -> LabelledData:
    return LabelledData.from_corpus(corpus(800, seed=5))


@pytest.fixture(scope="module")
def fitted(data):
    train_ids, test_ids = split(data.consultation_labels["consultation_id"].to_numpy(), 0.25, 0)
    sl, cl = data.sentence_labels, data.consultation_labels
    model = SapeScorer().fit(sl[sl.consultation_id.isin(train_ids)], cl[cl.consultation_id.isin(train_ids)])
    return model, train_ids, test_ids


def test_truth_sentences_are_the_split_of_the_message_bodies(data):
    bodies = data.messages.set_index("message_id")["body"]
    truth = data.truth_sentences.groupby("message_id")["sentence"].apply(list)
    assert len(truth) == len(bodies)
    for mid, sentences in truth.items():
        assert split_sentences(bodies[mid]) == sentences


def test_labels_are_noisy_but_close_to_the_truth(data):
    labels = data.consultation_labels.set_index("consultation_id")
    truth = data.truth_consultations.set_index("consultation_id").loc[labels.index]
    for col in SCORE_COLUMNS[:8]:
        agreement = np.mean(labels[col] == truth[col])
        assert 0.75 < agreement < 0.99, col
    assert set(np.unique(labels["s_score"])) <= {0.0, 0.5, 1.0}
    # labelled consultations are the eligible ones (each side >= 5 messages)
    assert truth["eligible"].all()


def test_message_counts_do_not_leak_the_scores(data):
    flags = data.truth_sentences[["consultation_id", "speaker", "is_question"]]
    f = quantitative_features(data.messages, data.consultations, flags).set_index("consultation_id")
    truth = data.truth_consultations.set_index("consultation_id").loc[f.index]
    for feature in ("n_doctor_messages", "n_patient_messages", "n_doctor_questions"):
        for score in ("s_score", "a_score", "p_score"):
            corr = np.corrcoef(f[feature], truth[score])[0, 1]
            assert abs(corr) < 0.12, (feature, score, corr)


def test_trained_question_classifier_beats_the_dictionary(data, fitted):
    _, train_ids, test_ids = fitted
    sl = data.sentence_labels
    tr, te = sl[sl.consultation_id.isin(train_ids)], sl[sl.consultation_id.isin(test_ids)]
    trained = np.mean(QuestionClassifier().fit(tr.sentence, tr.is_question).predict(te.sentence) == te.is_question)
    baseline = np.mean(DictionaryQuestionClassifier().fit(None).predict(te.sentence) == te.is_question)
    assert trained > baseline + 0.04
    assert trained > 0.85


def test_qualitative_scorer_recovers_the_truth(data, fitted):
    model, _, test_ids = fitted
    sl = data.sentence_labels
    pred = model.predict(sl[sl.consultation_id.isin(test_ids)]).set_index("consultation_id")
    truth = data.truth_consultations.set_index("consultation_id").loc[pred.index]
    assert list(pred.columns) == SCORE_COLUMNS
    for col in SCORE_COLUMNS[:6]:
        assert np.mean(pred[col] == truth[col]) > 0.85, col
    assert set(np.unique(pred["a_score"])) <= {0.0, 0.5, 1.0}
    np.testing.assert_array_equal(pred["s_score"], pred["s_main_symptoms"] + pred["s_additional_symptoms"])


def test_quantitative_models_fit_with_every_sampler(data):
    flags = data.truth_sentences[["consultation_id", "speaker", "is_question"]]
    f = quantitative_features(data.messages, data.consultations, flags).set_index("consultation_id")
    y = data.truth_consultations.set_index("consultation_id").loc[f.index, "s_score"].astype(str)
    X = f.drop(columns=["speciality"]).to_numpy(dtype=float)
    for sampler in ("none", "random", "smote", "svm_smote"):
        pred = QuantitativeScorer(model="decision_tree", sampler=sampler).fit(X[:400], y[:400]).predict(X[400:])
        assert set(pred) <= {"0.0", "0.5", "1.0"}


def test_estimator_contract():
    for est in (SapeScorer(subcategory_C=2.0), QuestionClassifier(C=0.1), QuantitativeScorer(model="mlp"),
                DictionaryQuestionClassifier(), EtiquetteDictionary()):
        twin = clone(est)
        assert twin.get_params() == est.get_params()
        assert not [k for k in vars(twin) if k.endswith("_")]


def test_etiquette_dictionary_reads_first_and_last_doctor_message():
    e = EtiquetteDictionary().fit().predict(["Halo Ayu, selamat pagi.", "Keluhannya apa?"],
                                            ["Semoga lekas sembuh ya.", "Ok."])
    np.testing.assert_array_equal(e, [[0.5, 0.5], [0.0, 0.0]])


def test_cli_trains_from_files_and_scores_one_json_consultation(data, tmp_path):
    from typer.testing import CliRunner

    from sehat.commands.sape import app

    data.consultation_labels.to_parquet(tmp_path / "c.parquet")
    data.sentence_labels.to_csv(tmp_path / "s.csv", index=False)  # CSV works too
    runner = CliRunner()
    result = runner.invoke(app, ["train", "--consultations", str(tmp_path / "c.parquet"),
                                 "--sentences", str(tmp_path / "s.csv"), "--out", str(tmp_path / "m.pkl")])
    assert result.exit_code == 0, result.output
    chat = {"consultation_id": 9, "messages": [
        {"speaker": "doctor", "body": "Halo Budi, selamat pagi. Ada yang bisa saya bantu?"},
        {"speaker": "patient", "body": "dok saya demam 3 hari"},
        {"speaker": "doctor", "body": "sudah berapa hari demamnya? berapa suhu tertingginya"},
        {"speaker": "patient", "body": "3 hari dok, 38.5"},
        {"speaker": "doctor",
         "body": "Saya resepkan PARACETAMOL 500MG, diminum 3x sehari setelah makan selama 3 hari."},
        {"speaker": "doctor", "body": "Semoga lekas sembuh ya."}]}
    (tmp_path / "chat.json").write_text(json.dumps(chat))
    result = runner.invoke(app, ["score", str(tmp_path / "chat.json"), "--model", str(tmp_path / "m.pkl")])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["e_opening"] == 0.5 and scores["e_closing"] == 0.5
    assert scores["p_medical_recommendation"] == 0.5
    assert scores["s_main_symptoms"] == 0.5
    assert set(SCORE_COLUMNS) <= set(scores)


def test_help_everywhere():
    from typer.testing import CliRunner

    from sehat.commands.sape import app

    for args in (["--help"], ["train", "--help"], ["evaluate", "--help"], ["score", "--help"],
                 ["run", "--help"]):
        assert CliRunner().invoke(app, args).exit_code == 0


def test_frames_without_truth_still_evaluate(data):
    """Real labels have no generator truth: the report then has no best achievable, but runs."""
    from ml.sape.evaluate import evaluate

    ids = data.consultation_labels["consultation_id"].to_numpy()[:250]
    small = LabelledData(sentence_labels=data.sentence_labels[data.sentence_labels.consultation_id.isin(ids)],
                         consultation_labels=data.consultation_labels[data.consultation_labels.consultation_id.isin(ids)])
    report = evaluate(small, quantitative=False)
    assert report["question"]["best_achievable"] is None
    assert isinstance(pd.DataFrame(report["qualitative"]).T, pd.DataFrame)
