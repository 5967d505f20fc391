"""A failing quality gate inside Airflow (``airflow dags test``): the run fails without retrying, one
alert names every rejected segment with its check and Data Docs, and nothing is published."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from sehat.orchestrate import run_day_dags_test
from sehat.release.exports import current_publication
from tests.dags.conftest import test_env

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(900)]

SEG = "consulted_no_order_30d"


def test_gate_failure_in_airflow_publishes_nothing_and_alerts(home):
    # A snapshot whose segment is empty: the gate's non-empty expectation must stop publishing.
    home.reader_path.parent.mkdir(parents=True)
    with duckdb.connect(str(home.reader_path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.seg_consulted_no_order_30d (customer_key VARCHAR, user_id BIGINT,"
            " last_consultation_at TIMESTAMP, days_since_consultation INTEGER, as_of_date DATE)"
        )
    result = run_day_dags_test("2026-11-03", env=test_env(home, retries=2), dag_ids=["sehat_publish"])
    assert result.states == {"sehat_publish": "failed"}
    assert current_publication(SEG, home) is None
    (alert,) = [json.loads(line) for line in (home.home / "alerts" / "alerts.jsonl").read_text().splitlines()]
    # retries=2 is not used: a failed gate is final, not transient; every segment was gated on its own
    # and the run fails once, with one line per rejected segment
    assert (alert["dag"], alert["task"], alert["try"]) == ("sehat_publish", "check_rejected_segments", 1)
    assert f"  {SEG}: GateFailed" in alert["exception"]
    assert "expect_table_row_count_to_be_between" in alert["exception"]
    assert f"min_rows in dbt_project/segments/{SEG}.yml" in alert["exception"]  # says which setting
    docs = re.search(r"results: (\S+/index\.html)", alert["exception"])  # the alert links the gate's Data Docs
    assert docs and Path(docs.group(1)).exists(), alert["exception"]
