"""`sehat prescriptions evaluate` on a user's own file with only the documented columns (issue 16).

The fixture (``fixtures/user_prescriptions.csv``, made by the script beside it) spans three years,
so the old default (the last 14 days) held almost nothing; ICD-10, SNOMED CT and free-text diagnoses.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ml.prescriptions.data import REQUIRED, prepare
from ml.prescriptions.evaluate import (
    TooFewTestPrescriptions,
    evaluate,
    markdown_table,
    most_frequent,
    split_by_time,
    wilson,
    write_report,
)
from sehat.commands.prescriptions import app

USER_FILE = Path(__file__).with_name("fixtures") / "user_prescriptions.csv"


def test_the_fixture_holds_only_the_documented_columns():
    header = USER_FILE.read_text().splitlines()[0].split(",")
    assert set(header) == set(REQUIRED) | {"notes"}  # docs/prescriptions.md, "Input format"


def test_default_test_window_is_the_latest_fifth_of_the_prescriptions(tmp_path):
    train, test, _ = split_by_time(str(USER_FILE), tmp_path)
    n_train, n_test = (duckdb.sql(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()[0] for p in (train, test))
    assert n_train + n_test == 420 and 0.18 <= n_test / 420 <= 0.22
    _, test14, _ = split_by_time(str(USER_FILE), tmp_path, test_days=14)  # still available
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{test14}')").fetchone()[0] < 30


def test_evaluate_cli_on_a_users_file(sehat_home, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(app, ["evaluate", str(USER_FILE), "--half-life-days", "365"])
    assert res.exit_code == 0, res.output
    assert not any(cwd.iterdir())  # nothing written into the current directory
    reports = list((sehat_home.home / "reports" / "prescriptions").iterdir())
    assert len(reports) == 1
    metrics = json.loads((reports[0] / "metrics.json").read_text())
    assert metrics["half_life_days"] == 365 and metrics["test_share"] == 0.2
    assert 75 <= metrics["test_prescriptions"] <= 95
    for row in metrics["fields"].values():
        assert row["n"] > 0 and f"| {row['n']} |" in markdown_table(metrics)
        # both baselines, each with a 95% interval around it
        for src in ("model", "popularity", "popularity_recent"):
            lo, hi = row[f"{src}_one_ci95"]
            assert lo <= row[f"{src}_one"] <= hi
    assert "n |" in res.output and "most frequent" in res.output and "recency-weighted" in res.output
    systems = metrics["diagnosis_code_systems"]
    assert set(systems) == {"icd10", "snomed", "text"} and abs(sum(systems.values()) - 100) < 0.1
    assert (reports[0] / "accuracy.png").stat().st_size > 0


def test_too_few_test_prescriptions_are_refused_in_one_line(sehat_home):
    res = CliRunner().invoke(app, ["evaluate", str(USER_FILE), "--test-days", "14"])
    assert res.exit_code == 1
    assert "test prescriptions" in res.output and "at least 30" in res.output and "Traceback" not in res.output
    with pytest.raises(TooFewTestPrescriptions):
        evaluate(str(USER_FILE), test_days=14, refuse=True)
    # a lower minimum scores anyway and marks small fields unreliable
    n_test = evaluate(str(USER_FILE), test_days=14)["test_prescriptions"]  # the daily job: scored, marked
    r = evaluate(str(USER_FILE), test_days=14, min_n=n_test)  # lab tests and advice are not on every one
    assert all(row["reliable"] == (row["n"] >= n_test) for row in r["fields"].values())
    assert any(not row["reliable"] for row in r["fields"].values())
    assert "unreliable" in markdown_table(r)


def test_missing_file_is_one_line(sehat_home):
    for args in (["evaluate", "/nonexistent.csv"], ["train", "/nonexistent.parquet"]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 1 and "no such file" in res.output and "Traceback" not in res.output


def test_train_on_a_users_file(tmp_path):
    out = tmp_path / "model.pkl"
    res = CliRunner().invoke(app, ["train", str(USER_FILE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0
    bad = tmp_path / "bad.csv"
    bad.write_text("prescription_id,doctor_id\n1,2\n")
    res = CliRunner().invoke(app, ["train", str(bad), "--out", str(out)])
    assert res.exit_code == 1 and "lacks required columns" in res.output and "Traceback" not in res.output


def test_plain_popularity_is_the_most_frequent_values():
    with prepare(str(USER_FILE)) as tables:
        got = most_frequent(tables, k=3)
        pairs = tables.con.execute("SELECT DISTINCT pid, field, value FROM items").fetchall()
    counts = Counter((f, v) for _, f, v in pairs)
    for field, top in got.items():
        ranked = sorted(((-n, v) for (f, v), n in counts.items() if f == field))
        assert top == [v for _, v in ranked[:3]], field


def test_wilson_interval():
    lo, hi = wilson(7, 10)  # 0.397-0.892 (Wilson 1927; e.g. Newcombe 1998, table I)
    assert (lo, hi) == (39.68, 89.22)
    assert wilson(0, 0) is None


def test_plot_flags_fields_below_popularity(tmp_path):
    def row(model, pop, n):
        return {"n": n, "reliable": n >= 30, "below_popularity": model < pop,
                "model_one": model, "model_all": model, "model_one_ci95": wilson(round(model * n / 100), n),
                "model_all_ci95": wilson(round(model * n / 100), n), "popularity_one": pop, "popularity_all": pop,
                "popularity_one_ci95": wilson(round(pop * n / 100), n),
                "popularity_all_ci95": wilson(round(pop * n / 100), n)}
    result = {"k": 8, "rows": 31, "min_n": 30, "fields": {
        "complaint": row(40, 50, 31), "diagnosis": row(90, 50, 31), "molecule": row(80, 60, 12),
        "brand": row(30, 35, 31), "lab_test": row(70, 20, 31), "advice": row(60, 30, 31)}}
    files = write_report(result, tmp_path)
    md = files["report"].read_text()
    assert md.count("model below popularity") == 2 and "Medicine molecule (unreliable: n < 30)" in md
    assert files["plot"].stat().st_size > 10_000
