"""Label loading: counts reconcile, reloading replaces, bad rows are quarantined, real files load too."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow.parquet as pq
import pytest

from sehat.generate.labels import corpus, write_tables
from sehat.ingest.labels import load_labels

DAY = date(2026, 11, 8)


@pytest.fixture(scope="module")
def label_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("labels")
    tables = corpus(120, seed=3)
    summary = write_tables({k: tables[k] for k in ("truth_consultations", "truth_sentences", "consultation_labels",
                                                    "sentence_labels")}, root)
    return root, summary


def _load(con, root, **files):
    return load_labels(con, DAY, consultation_file=files.get("c", root / "labels" / "sape_consultation_labels.parquet"),
                       sentence_file=files.get("s", root / "labels" / "sape_sentence_labels.parquet"))


def test_counts_reconcile_and_reload_replaces(label_dir):
    root, summary = label_dir
    con = duckdb.connect()
    for _ in range(2):
        reports = _load(con, root)
    assert [r.loaded for r in reports] == [summary["labelled_consultations"], summary["labelled_sentences"]]
    assert con.execute("SELECT count(*) FROM raw.sape_consultation_labels").fetchone()[0] == reports[0].loaded
    assert con.execute("SELECT count(*) FROM raw.sape_sentence_labels").fetchone()[0] == reports[1].loaded
    log = con.execute("SELECT source, read, loaded, quarantined FROM raw.load_log ORDER BY source").fetchall()
    assert len(log) == 2 and all(read == loaded + q for _, read, loaded, q in log)


def test_invalid_rows_are_quarantined_from_a_user_csv(label_dir, tmp_path):
    root, _ = label_dir
    frame = pq.read_table(root / "labels" / "sape_consultation_labels.parquet").to_pandas()
    frame.loc[0, "s_main_symptoms"] = 0.7  # not a valid subcategory score
    frame.loc[1, "consultation_id"] = None
    frame.to_csv(tmp_path / "real.csv", index=False)
    con = duckdb.connect()
    reports = _load(con, root, c=tmp_path / "real.csv")
    assert reports[0].read == len(frame) and reports[0].quarantined == 2
    assert con.execute("SELECT count(*) FROM raw.sape_consultation_labels").fetchone()[0] == len(frame) - 2


def test_a_missing_user_file_is_an_error(label_dir, tmp_path):
    root, _ = label_dir
    with pytest.raises(FileNotFoundError):
        _load(duckdb.connect(), root, c=tmp_path / "nope.parquet")


def test_the_same_labels_under_two_homes_give_the_same_checksums(label_dir, tmp_path, monkeypatch):
    """Label tables store paths relative to the landing root, not absolute ones (issue 18)."""
    import shutil

    from sehat.config import settings
    from sehat.warehouse import table_checksum

    root, _ = label_dir
    sums = []
    for home in ("home_a", "home_b"):
        data = tmp_path / home / "data"
        shutil.copytree(root / "labels", data / "labels")
        monkeypatch.setenv("SEHAT_DATA_DIR", str(data))
        con = duckdb.connect()
        load_labels(con, DAY, cfg=settings())
        assert con.execute("SELECT DISTINCT source_file FROM raw.sape_sentence_labels").fetchall() == [
            ("labels/sape_sentence_labels.parquet",)]
        sums.append([table_checksum(con, f"raw.{t}", exclude=("loaded_at",))
                     for t in ("sape_consultation_labels", "sape_sentence_labels")])
    assert sums[0] == sums[1]
