"""The SAPE scores' gate and promotion, on a small hand-made candidate (the full daily run on a
generated warehouse is tests/dbt/test_consultation_marts.py)."""

from __future__ import annotations

import json
import pickle

import pandas as pd
import pytest

from ml.sape.qualitative import SCORE_COLUMNS
from sehat.release import GateFailed, NotValidated, sape

METRICS = {"model_version": "sape-test-1", "eligible_consultations": 3,
           "sentence_accuracy": {"S": 0.9, "A": 0.9, "P": 0.9}, "subcategory_accuracy": {"s1": 0.8}}


def _stage(cfg, run_id: str, scores: pd.DataFrame, metrics: dict = METRICS) -> None:
    out = sape.release(cfg).stage(run_id)
    (out / "model.pkl").write_bytes(pickle.dumps({"a": "model"}))
    scores.to_parquet(out / "scores.parquet", index=False)
    (out / "metrics.json").write_text(json.dumps(metrics))


def _scores(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame({"consultation_id": [1, 2, 3], **{c: [0.0, 0.5, 0.5] for c in SCORE_COLUMNS},
                          "model_version": "sape-test-1", "scored_at": pd.Timestamp("2026-11-04")})
    return frame.assign(**overrides)


def test_passed_scores_are_published_with_the_model(sehat_home):
    _stage(sehat_home, "r1", _scores())
    assert sape.validate_candidate("r1", sehat_home)["passed"]
    published = sape.publish_candidate("r1", sehat_home)
    assert published["model_version"] == "sape-test-1"
    assert sape.current_model(sehat_home)[0] == "sape-test-1"
    assert len(sape.live_scores(sehat_home, version="sape-test-1")) == 3
    with pytest.raises(RuntimeError, match="not live"):
        sape.live_scores(sehat_home, version="sape-other")


@pytest.mark.parametrize("scores, metrics, failing", [
    (_scores(model_version=None), METRICS, "expect_column_values_to_not_be_null"),
    (_scores(), {**METRICS, "eligible_consultations": 4}, "expect_table_row_count_to_equal"),
    (_scores(), {**METRICS, "subcategory_accuracy": {"s1": 0.1}}, "min_subcategory_accuracy"),
])
def test_a_failed_gate_publishes_nothing(sehat_home, scores, metrics, failing):
    _stage(sehat_home, "r1", scores, metrics)
    with pytest.raises(GateFailed) as err:
        sape.validate_candidate("r1", sehat_home)
    assert failing in {c["expectation"] for c in err.value.failures()}
    with pytest.raises(NotValidated):
        sape.publish_candidate("r1", sehat_home)
    assert sape.current_model(sehat_home) is None


def test_the_model_records_where_its_labels_came_from(sehat_home):
    """The generator's labels (its README marks them) are ``generated``; other files are a team's."""
    import duckdb

    from ml.sape.job import label_source

    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.sape_sentence_labels (source_file VARCHAR)")
    assert label_source(con, sehat_home) == "none"
    con.execute("INSERT INTO raw.sape_sentence_labels VALUES ('labels/sape_sentence_labels.parquet')")
    labels = sehat_home.data_dir / "labels"
    labels.mkdir(parents=True)
    (labels / "README.md").write_text("# SAPE labels (team delivery 12)\n")
    assert label_source(con, sehat_home) == "labelling-team:labels/sape_sentence_labels.parquet"
    (labels / "README.md").write_text("# SAPE labels (generated sample)\n")
    assert label_source(con, sehat_home) == "generated"
    con.execute("INSERT INTO raw.sape_sentence_labels VALUES ('/team/batch7.csv')")
    assert label_source(con, sehat_home).startswith("labelling-team:")
