"""Consultation marts on a small generated warehouse, and the daily SAPE steps on top of them.

Builds once (module fixture): generate -> extract production -> load labels -> dbt build of the
consultation models -> snapshot. Then: sentences cut in SQL are exactly the generator's sentences
(so labels join), eligibility matches the generator's, and scoring is gated: strict floors on a tiny
label set fail and publish nothing; with lowered floors the scores land in ml.sape_scores and feed
the doctor view.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sehat.config import settings
from sehat.generate import GenerateConfig, generate
from sehat.warehouse import restricted_reader

pytestmark = pytest.mark.e2e  # generated sample + extraction + dbt build

START, DAYS = date(2026, 11, 1), 4
SELECT = "+fct_consultation_features +fct_consultation_sentences +agg_doctor_consultation_quality"
pytestmark = pytest.mark.e2e  # generates a sample and builds the warehouse with dbt


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from sehat.ingest.labels import load_labels
    from sehat.ingest.production import extract_day
    from sehat.transform.dbt import dbt_build
    from sehat.warehouse import refresh_reader, writer

    with pytest.MonkeyPatch.context() as mp:
        for var in ("SEHAT_DATA_DIR", "SEHAT_WAREHOUSE", "SEHAT_READER", "SEHAT_PUBLISH_DIR", "SEHAT_PRODUCTION_URL"):
            mp.delenv(var, raising=False)
        mp.setenv("SEHAT_HOME", str(tmp_path_factory.mktemp("sape_home")))
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")  # only tests whose parents are all selected
        cfg = settings()
        summary = generate(GenerateConfig(customers=3000, days=DAYS, start=START, seed=11, data_dir=cfg.data_dir))
        for i in range(DAYS):
            extract_day(START + timedelta(days=i), cfg)
        with writer(cfg) as con:
            load_labels(con, START + timedelta(days=DAYS), cfg=cfg)
        dbt_build(select=SELECT)
        refresh_reader(cfg)
        yield cfg, summary


def test_sql_sentences_are_the_generator_sentences(warehouse):
    cfg, summary = warehouse
    truth = cfg.data_dir / "truth" / "sape_sentences.parquet"
    with restricted_reader(cfg) as con:
        n = con.execute("SELECT count(*) FROM marts.fct_consultation_sentences").fetchone()[0]
        same = con.execute(
            f"SELECT count(*) FROM marts.fct_consultation_sentences s JOIN read_parquet('{truth}') t"
            " USING (message_id, sentence_index) WHERE s.sentence = t.sentence AND s.speaker = t.speaker").fetchone()[0]
        labelled = con.execute("SELECT count(*) FROM marts.fct_consultation_sentences WHERE is_labelled").fetchone()[0]
    assert n == summary["sape_labels"]["sentences"] == same
    assert labelled == summary["sape_labels"]["labelled_sentences"]


def test_eligibility_and_features(warehouse):
    cfg, summary = warehouse
    truth = cfg.data_dir / "truth" / "sape_consultations.parquet"
    with restricted_reader(cfg) as con:
        mismatched = con.execute(
            f"SELECT count(*) FROM marts.fct_consultation_features f JOIN read_parquet('{truth}') t"
            " USING (consultation_id) WHERE f.is_eligible <> t.eligible").fetchone()[0]
        eligible, labelled, rows, completed = con.execute(
            "SELECT sum(is_eligible::int), sum(is_labelled::int), count(*),"
            " (SELECT count(*) FROM staging.stg_production__consultations WHERE status = 'completed')"
            " FROM marts.fct_consultation_features").fetchone()
        bad = con.execute("SELECT count(*) FROM marts.fct_consultation_features WHERE is_eligible AND"
                          " (n_doctor_messages < 5 OR n_patient_messages < 5)").fetchone()[0]
    assert mismatched == 0 and bad == 0
    assert eligible == summary["sape_labels"]["eligible"]
    assert labelled == summary["sape_labels"]["labelled_consultations"]
    assert rows == completed


def test_scoring_is_gated_then_published_into_the_scores_table(warehouse, monkeypatch):
    from ml.sape.job import write_scores
    from sehat.release import GateFailed, NotValidated
    from sehat.release import sape as release
    from sehat.transform.dbt import dbt_build
    from sehat.warehouse import refresh_reader

    cfg, summary = warehouse
    release.train_candidate("strict", cfg)
    monkeypatch.setenv("SEHAT_SAPE_MIN_SUBCATEGORY_ACCURACY", "0.99")  # unreachable on a tiny label set
    with pytest.raises(GateFailed):
        release.validate_candidate("strict", cfg)
    with pytest.raises(NotValidated):
        release.publish_candidate("strict", cfg)
    assert release.current_model(cfg) is None

    monkeypatch.setenv("SEHAT_SAPE_MIN_SUBCATEGORY_ACCURACY", "0.0")
    monkeypatch.setenv("SEHAT_SAPE_MIN_SENTENCE_ACCURACY", "0.0")
    staged = release.train_candidate("lenient", cfg)
    release.validate_candidate("lenient", cfg)
    version = release.publish_candidate("lenient", cfg)["model_version"]
    assert release.current_model(cfg)[0] == version
    written = write_scores(release.live_scores(cfg, version=version), cfg)
    assert written["written"] == staged["eligible"] == summary["sape_labels"]["eligible"]
    dbt_build(select="stg_ml__sape_scores agg_doctor_consultation_quality")
    refresh_reader(cfg)
    with restricted_reader(cfg) as con:
        scored, versions = con.execute("SELECT count(*), count(DISTINCT model_version) FROM ml.sape_scores").fetchone()
        doctors = con.execute("SELECT count(*), sum(n_scored) FROM marts.agg_doctor_consultation_quality").fetchone()
    assert scored == written["written"] and versions == 1
    assert doctors[0] > 0 and doctors[1] == scored
