"""The qualitative SAPE scorer (the approach that ships).

The flow of the write-up, per consultation:

1. cut the chat into sentences; the three binary sentence classifiers
   (:class:`~ml.sape.sentence.SentenceCategoryClassifier`) accept the Subjective, Assessment and
   Planning sentences;
2. the sentences each accepts are joined per consultation and category, the doctor's and the
   patient's apart (because "how many days?" from the doctor is a follow-up while the same words
   from the patient are not). The join is done on the sentence vectors: the bag of n-grams of a
   joined string is the sum of its sentences' bags, so summing the accepted sentences' TF-IDF rows
   (then L2-normalising) *is* joining them, without tokenising the text a second time (that keeps
   scoring above 20k sentences/s on one core);
3. two subcategory classifiers per category score 0 or 0.5 (S: main symptoms, additional symptoms;
   A: differential diagnosis, possible etiology; P: lifestyle modification, medical recommendation);
   the category score is their sum;
4. Etiquette by the dictionary (:class:`~ml.sape.dictionary.EtiquetteDictionary`) on the doctor's
   first and last message.

Input frames (the documented label format, ``data/labels/README.md``; the mart
``marts.fct_consultation_sentences`` has the same columns):

* sentences: ``consultation_id, message_id, sentence_index, speaker, sentence`` (+ ``category`` to fit);
* consultation labels (fit only, optional): ``consultation_id`` + any of the six S/A/P subcategory
  columns (0 / 0.5); a missing or one-class column leaves that subcategory unscored (NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from ml.sape.dictionary import EtiquetteDictionary
from ml.sape.sentence import SAP, SentenceCategoryClassifier
from sehat.sources.chats import CATEGORIES, SUBCATEGORIES

SCORE_COLUMNS = list(SUBCATEGORIES) + [f"{c.lower()}_score" for c in CATEGORIES]


class SapeScorer(BaseEstimator):
    """``fit(sentences, consultation_labels)``; ``predict(sentences)`` -> one row per consultation."""

    def __init__(self, sentence_C: float = 4.0, subcategory_C: float = 1.0, threshold: float | str = 0.5,
                 random_state: int = 0):
        self.sentence_C = sentence_C
        self.subcategory_C = subcategory_C
        self.threshold = threshold
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def fit(self, sentences: pd.DataFrame, consultation_labels: pd.DataFrame | None = None):
        """Sentence labels alone fit the sentence classifiers; each subcategory model is fitted when its
        column is in ``consultation_labels`` with both classes present, else ``skipped_`` says why and
        its score is NaN."""
        sentences = _ordered(sentences)
        self.sentence_model_ = SentenceCategoryClassifier(
            C=self.sentence_C, threshold=self.threshold, random_state=self.random_state,
        ).fit(sentences["sentence"], sentences["category"])
        self.skipped_ = {f"sentence {c}": why for c, why in self.sentence_model_.skipped_.items()}
        self.subcategory_models_ = {}
        if consultation_labels is not None:
            labels = consultation_labels.set_index("consultation_id")
            ids = labels.index.to_numpy()
            M = self.sentence_model_.transform(sentences["sentence"])
            accepted = self.sentence_model_.accept_matrix(M)
            for k, cat in enumerate(SAP):
                docs = None
                for sub in CATEGORIES[cat]:
                    if sub not in labels.columns:
                        self.skipped_[sub] = "no such column in the consultation labels"
                        continue
                    y = labels[sub].fillna(0).to_numpy() > 0
                    if y.all() or not y.any():
                        self.skipped_[sub] = f"only one class in the labels (every value {0.5 if y.any() else 0})"
                        continue
                    docs = _documents(M, sentences, accepted[:, k], ids) if docs is None else docs
                    self.subcategory_models_[sub] = LogisticRegression(
                        C=self.subcategory_C, max_iter=2000, random_state=self.random_state).fit(docs, y)
        else:
            self.skipped_.update({sub: "no consultation labels given" for cat in SAP for sub in CATEGORIES[cat]})
        self.etiquette_ = EtiquetteDictionary().fit()
        return self

    # ------------------------------------------------------------------ scoring
    def predict(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """Scores per consultation: the eight subcategories (0 / 0.5) and four category scores."""
        sentences = _ordered(sentences)
        ids = sentences["consultation_id"].drop_duplicates().to_numpy()
        M = self.sentence_model_.transform(sentences["sentence"])
        accepted = self.sentence_model_.accept_matrix(M)
        out = pd.DataFrame(index=pd.Index(ids, name="consultation_id"))
        for k, cat in enumerate(SAP):
            docs = _documents(M, sentences, accepted[:, k], ids)
            for sub in CATEGORIES[cat]:
                model = self.subcategory_models_.get(sub)
                out[sub] = 0.5 * model.predict(docs).astype(float) if model is not None else np.nan
        first, last = _first_last_doctor_messages(sentences, ids)
        e = self.etiquette_.predict(first, last)
        out["e_opening"], out["e_closing"] = e[:, 0], e[:, 1]
        for cat, subs in CATEGORIES.items():
            out[f"{cat.lower()}_score"] = out[subs[0]] + out[subs[1]]
        return out[SCORE_COLUMNS].reset_index()

    def accepted_sentences(self, sentences: pd.DataFrame) -> np.ndarray:
        """(n, 3) bool: which sentences the S, A, P classifiers accept (sentences in consultation order)."""
        return self.sentence_model_.predict(_ordered(sentences)["sentence"])


def _ordered(sentences: pd.DataFrame) -> pd.DataFrame:
    return sentences.sort_values(["consultation_id", "message_id", "sentence_index"], kind="stable") \
        .reset_index(drop=True)


def _documents(M, sentences: pd.DataFrame, accepted: np.ndarray, ids: np.ndarray):
    """Per consultation (rows in ``ids`` order): [doctor's accepted sentences | patient's], summed, L2-normalised."""
    row_of = pd.Series(np.arange(len(ids)), index=ids)
    rows = row_of.reindex(sentences["consultation_id"].to_numpy()).to_numpy()
    known = ~np.isnan(rows)
    doctor = sentences["speaker"].to_numpy() == "doctor"
    parts = []
    for side in (doctor, ~doctor):
        keep = accepted & side & known
        idx = np.flatnonzero(keep)
        S = sparse.csr_matrix((np.ones(len(idx), np.float32), (rows[idx].astype(np.int64), idx)),
                              shape=(len(ids), M.shape[0]))
        parts.append(normalize(S @ M))
    return sparse.hstack(parts, format="csr")


def _first_last_doctor_messages(sentences: pd.DataFrame, ids: np.ndarray) -> tuple[list[str], list[str]]:
    doctor = sentences[sentences["speaker"] == "doctor"]
    messages = doctor.groupby(["consultation_id", "message_id"], sort=True)["sentence"].agg(" ".join).reset_index()
    first = messages.groupby("consultation_id")["sentence"].first().reindex(ids, fill_value="")
    last = messages.groupby("consultation_id")["sentence"].last().reindex(ids, fill_value="")
    return first.tolist(), last.tolist()
