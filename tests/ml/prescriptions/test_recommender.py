"""The recommender end to end on a small synthesised sample (one fit for the module)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sklearn.exceptions import NotFittedError

from ml.prescriptions.data import PrescriptionTables, load_rules, prepare
from ml.prescriptions.evaluate import most_frequent, score, split_by_time, write_report
from ml.prescriptions.model import TARGETS, PrescriptionRecommender
from ml.prescriptions.oracle import Oracle
from ml.prescriptions.suggest import suggest
from sehat.bench.synth import synthesise

# the dbt seed's file, read here as a user's rules file would be (the package reads the warehouse table)
RULES_CSV = Path(__file__).resolve().parents[3] / "dbt_project" / "seeds" / "prescriptions" / "doctor_input_rules.csv"


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    work = tmp_path_factory.mktemp("rx")
    s = synthesise(work, n=6000, customers=2000, days=120, seed=3)
    train, test, _ = split_by_time(s["prescriptions"], work, test_days=14)
    with prepare(str(train), str(s["catalogue"]), load_rules(RULES_CSV)) as tables:
        model = PrescriptionRecommender(max_validation=400).fit(tables)
    return {"model": model, "train": train, "test": test, "synth": s, "work": work}


def test_estimator_contract(fitted):
    from sklearn.base import clone

    m = PrescriptionRecommender(half_life_days=30)
    assert m.get_params()["half_life_days"] == 30 and not hasattr(m, "weights_")
    assert "catalogue" not in m.get_params()  # data is passed to fit, not stored as a parameter
    assert set(fitted["model"].weights_) == {"complaint", "diagnosis", "molecule", "lab_test", "advice"}
    # parameters unchanged by fit: a clone of the fitted model has exactly the same ones
    assert clone(fitted["model"]).get_params() == fitted["model"].get_params() == PrescriptionRecommender(
        max_validation=400).get_params()
    # an unfitted model says so, whichever way it is asked
    for ask in (m.predict, m.predict_proba):
        with pytest.raises(NotFittedError):
            ask([{"complaints": ["fever"]}])
    with pytest.raises(NotFittedError):
        suggest(m, {"complaints": ["fever"]})


def test_fit_takes_data_only_and_returns_self(fitted):
    """fit(X) on prepared tables or on a file; the prepared tables are left as they were (read-only use)."""
    train = str(fitted["train"])
    with prepare(train, str(fitted["synth"]["catalogue"])) as tables:
        before = tables.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
        m = PrescriptionRecommender(max_validation=100, validation_share=0.0)
        assert m.fit(tables) is m
        assert tables.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall() == before
    assert isinstance(tables, PrescriptionTables) and m.data_summary_["prescriptions"] > 0
    plain = PrescriptionRecommender(max_validation=100, validation_share=0.0).fit(train)  # no catalogue: brands
    assert plain.vocab_["molecule"] and plain.rules_ == []


def test_predict_ranks_each_field_in_entry_order(fitted):
    import copy

    m = copy.copy(fitted["model"]).set_params(entry_order=True)  # the fixture's model keeps its parameters
    with prepare(str(fitted["test"]), str(fitted["synth"]["catalogue"])) as tables:
        queries = tables.queries(tables.pids()[:20])
        out = m.predict(tables)
    assert len(out) == tables.summary["prescriptions"] and set(out[0]) == set(TARGETS)
    assert all(len(row["diagnosis"]) == 10 for row in out)
    # entry order: complaints are predicted from the context only, so the entered complaints do not matter
    q = queries[0]
    other = type(q)(**{**q.__dict__, "items": {**q.items, "complaint": ["zz unknown"]}})
    m.set_params(top_n=5)
    assert m.predict([q])[0]["complaint"] == m.predict([other])[0]["complaint"]
    assert len(m.predict([q])[0]["complaint"]) == 5
    # complaints come before diagnoses: in entry order the entered diagnoses do not move them either;
    # with every field visible (the default) they do
    dx = ["I10"] if q.items.get("diagnosis") != ["I10"] else ["E11.9"]
    with_dx = type(q)(**{**q.__dict__, "items": {**q.items, "diagnosis": dx}})
    assert m.predict([q])[0]["complaint"] == m.predict([with_dx])[0]["complaint"]
    every = fitted["model"]
    assert every.predict([q])[0]["complaint"] != every.predict([with_dx])[0]["complaint"]
    assert every.predict([{"doctor_id": 3, "complaints": ["fever since 2 days"]}])[0]["diagnosis"]


def test_predict_is_the_top_of_predict_proba_for_each_prescription(fitted):
    m = fitted["model"]
    rxs = [{"doctor_id": 3, "complaints": ["fever since 2 days"]}, {"doctor_id": 1, "diagnoses": ["E11.9"]}, {}]
    probs, top = m.predict_proba(rxs), m.predict(rxs)
    assert len(probs) == len(top) == 3
    for p, row in zip(probs, top, strict=True):
        assert set(p) == {*TARGETS, "medicine"} and len(p["diagnosis"]) == len(m.vocab_["diagnosis"])
        for t in TARGETS:
            best = np.argsort(-p[t], kind="stable")[: m.top_n]
            assert row[t] == [m.vocab_[t][j] for j in best]
    assert top[0]["diagnosis"] != top[1]["diagnosis"]  # each prescription its own answer


def test_the_model_carries_the_rules_it_was_fitted_with(fitted):
    m = fitted["model"]
    assert m.rules_ == load_rules(RULES_CSV) and len(m.rules_) > 0
    rx = {"doctor_id": 3, "complaints": ["fever since 2 days"], "diagnoses": ["A97.9"]}
    out = suggest(m, rx)  # no rules given: the model's own
    assert "IBUPROFEN" not in [s["value"] for s in out["molecules"]]
    assert out["molecules"][0]["value"] == "PARACETAMOL" and out["molecules"][0]["rule"] == "always"
    assert "rule" not in suggest(m, rx, rules=[])["molecules"][0]  # an explicit empty list switches them off


def test_learned_weights_favour_specific_models(fitted):
    from ml.prescriptions.features import MODELS

    coef, _ = fitted["model"].weights_["molecule"]
    names = ["prior", *MODELS["molecule"], "nb"]
    w = dict(zip(names, coef))
    assert w["diagnosis"] > w["speciality"]  # learned, not hand-set: the specific model dominates


def test_model_beats_popularity_and_approaches_the_ceiling(fitted, tmp_path):
    with prepare(str(fitted["train"]), str(fitted["synth"]["catalogue"])) as tables:
        frequent = most_frequent(tables, 8)
    r = score(fitted["model"], fitted["test"], k=8, catalogue=str(fitted["synth"]["catalogue"]),
              oracle=Oracle(fitted["synth"]["truth_dir"], history=fitted["train"]), max_rows=600, frequent=frequent)
    for f in ("diagnosis", "molecule", "brand", "advice"):
        row = r["fields"][f]
        assert row["model_one"] > max(row["popularity_one"], row["popularity_recent_one"]) + 15, (f, row)
        assert row["model_one"] >= row["best_achievable_one"] - 10, (f, row)
    files = write_report(r, tmp_path / "report")
    assert files["plot"].stat().st_size > 0 and "best achievable" in files["report"].read_text()


def test_oracle_infers_chronic_conditions_from_history_only(fitted):
    oracle = Oracle(fitted["synth"]["truth_dir"], history=fitted["train"])
    assert oracle.chronic_posterior("no such patient") == oracle.chronic_prior  # nothing known: population share
    hist = oracle.history
    # a patient written I10 several times before the split is believed hypertensive
    patient = max(hist, key=lambda u: sum("I10" in codes for *_, codes in hist[u]))
    assert sum("I10" in codes for *_, codes in hist[patient]) >= 2
    post = oracle.chronic_posterior(patient)
    assert max(post, key=post.get) == "I10" and post["I10"] > 5 * oracle.chronic_prior["I10"]


def test_suggest_never_repeats_input_and_honours_doctor_rules(fitted):
    m = fitted["model"]
    rx = {"doctor_id": 3, "patient_age": 30, "patient_gender": "M", "speciality": "general practitioner",
          "complaints": ["fever since 2 days"], "diagnoses": ["A97.9"], "medicines": ["DOLO 650MG TAB 8's"]}
    rules = [{"diagnosis_code": "A97.9", "field": "molecule", "value": "IBUPROFEN", "rule": "never"},
             {"diagnosis_code": "A97.9", "field": "lab_test", "value": "Urine Routine", "rule": "always"}]
    out = suggest(m, rx, n=10, rules=rules)
    assert all(len(v) <= 10 for v in out.values())
    assert "A97.9" not in [s["value"] for s in out["diagnoses"]]
    assert "DOLO" not in [s["value"] for s in out["brands"]]
    assert "PARACETAMOL" not in [s["value"] for s in out["molecules"]]  # already entered through DOLO
    assert "IBUPROFEN" not in [s["value"] for s in out["molecules"]]
    assert out["lab_tests"][0]["value"] == "urine routine"
    assert out["lab_tests"][1]["value"] in ("cbc", "dengue ns1 antigen")


def test_icd10_backoff_uses_siblings_for_an_unseen_code(fitted):
    m = fitted["model"]
    q = {"doctor_id": 1, "diagnoses": ["E11.2"]}  # never seen; its sibling E11.9 is common
    mols = [s["value"] for s in suggest(m, q)["molecules"][:3]]
    assert "METFORMIN" in mols
    assert m._lookup("molecule", "diagnosis", ["Q99.9"])[0] is None  # nothing to back off to: no information


def test_artifact_gate_and_atomic_publish(fitted, sehat_home):
    from ml.prescriptions.job import save
    from sehat.release import GateFailed
    from sehat.release import prescriptions as release

    m, path = fitted["model"], fitted["work"] / "model.pkl"
    save(m, path)
    metrics = {"k": 8, "fields": {f: {"model_one": 80.0} for f in release.FIELDS}}
    candidate = {"model": str(path), "metrics": metrics, "snapshot": {"rows": 1}, "work": str(fitted["work"])}
    first = release.gate_and_publish(candidate, "run1")
    assert release.current()["version"] == first["version"]
    worse = {"k": 8, "fields": {f: {"model_one": 80.0 if f != "brand" else 70.0} for f in release.FIELDS}}
    with pytest.raises(GateFailed, match="one_at_k_not_worse_than_live"):
        release.gate_and_publish({**candidate, "metrics": worse}, "run2")
    assert release.current()["version"] == first["version"]  # the previous model stays live
    assert release.load_live()[0] == first["version"]


def test_the_artifact_gate_scans_the_vocabularies_for_pii(fitted, sehat_home):
    import copy

    from sehat.release import prescriptions as release

    leaky = copy.deepcopy(fitted["model"])
    leaky.vocab_["advice"] = [*leaky.vocab_["advice"], "call me on +62 812 3456 7890"]
    metrics = {"k": 8, "fields": {f: {"model_one": 80.0} for f in release.FIELDS}}
    assert release.gate(fitted["model"], metrics)["passed"]
    result = release.gate(leaky, metrics)
    (pii,) = [c for c in result["checks"] if c["expectation"] == "expect_no_pii"]
    assert not result["passed"] and not pii["success"] and "values in value" in pii["observed"]


def test_http_api(fitted, monkeypatch):
    path = fitted["work"] / "api_model.pkl"
    from ml.prescriptions.job import save

    save(fitted["model"], path)
    monkeypatch.setenv("SEHAT_RX_MODEL", str(path))
    from sehat.api import app

    client = TestClient(app)
    assert client.get("/health").json()["status"] == "ok"
    r = client.post("/suggest", json={"doctor_id": 2, "complaints": ["cough"], "n": 5})
    assert r.status_code == 200 and len(r.json()["suggestions"]["diagnoses"]) == 5
    # ICD-10, SNOMED CT and free text are all diagnoses; a blank one is not
    ok = client.post("/suggest", json={"diagnoses": ["38341003", "viral fever", "E11.9"]})
    assert ok.status_code == 200, ok.json()
    bad = client.post("/suggest", json={"diagnoses": ["  "]})
    assert bad.status_code == 422 and "blank" in json.dumps(bad.json())
    assert bad.json()["detail"][0]["loc"] == ["body", "diagnoses"]  # FastAPI's usual 422 shape
    broken = client.post("/suggest", content=b'{"complaints": [', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
    assert client.post("/suggest", json={"patient_age": -3}).status_code == 422
    assert client.post("/suggest", json={"unknown_field": 1}).status_code == 422


def test_brand_step_reuses_the_molecule_probabilities(fitted):
    """predict_proba() hands the molecule probabilities to the brand step instead of predicting them twice."""
    m = fitted["model"]
    q = m.query({"doctor_id": 3, "complaints": ["fever since 2 days"], "diagnoses": ["A97.9"]})
    alone = m._predict_target(q, "brand")
    reused = m._predict_target(q, "brand", p_molecule=m._predict_target(q, "molecule"))
    assert alone.sum() > 0 and np.allclose(alone, reused)


def test_fast_prediction_equals_the_model_matrix(fitted, monkeypatch):
    """_predict_target() (no matrix, the suggest() path) gives what training scores: sigmoid(coef @ x + b),
    including rare codes that back off to their ICD-10 parents and queries that see only some fields."""
    from ml.prescriptions.model import NOTES_VISIBLE, RF_TARGETS, VISIBLE_BEFORE

    m = fitted["model"]
    backoffs = []
    real_backoff = m._backoff
    monkeypatch.setattr(m, "_backoff", lambda *a: backoffs.append(a[1]) or real_backoff(*a))
    queries = [
        m.query({"doctor_id": 3, "patient_id": 9, "patient_age": 40, "patient_gender": "M",
                     "complaints": ["fever since 2 days", "cough"], "diagnoses": ["A97.9", "Q99.9"],
                     "medicines": ["DOLO 650MG TAB 8's"], "notes": "pt c/o fever, advised rest"}),
        m.query({"doctor_id": 1, "complaints": ["headache"], "diagnoses": ["E11.2"]}),  # E11.2: back-off
        m.query({}),
    ]
    compared = 0
    for q in queries:
        for t in RF_TARGETS:
            for known, notes in ((None, True), (VISIBLE_BEFORE[t], NOTES_VISIBLE[t])):
                coef, b = m.weights_[t]
                x = m._model_matrix(t, q, known, notes)
                expected = 1.0 / (1.0 + np.exp(-(coef @ x + b)))
                np.testing.assert_allclose(m._predict_target(q, t, known, notes), expected, rtol=1e-5, atol=1e-7)
                compared += 1
    assert compared == 3 * len(RF_TARGETS) * 2
    assert {"Q99.9", "E11.2"} <= set(backoffs)  # the rare-code path was compared too
