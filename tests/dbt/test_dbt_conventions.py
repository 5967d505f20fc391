"""The dbt project follows its conventions (dbt_project/dbt-bouncer.yml), checked by dbt-bouncer on
the manifest of a real `dbt parse`; and the checker catches a model that breaks them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is in the orchestration extra")
pytest.importorskip("dbt_bouncer", reason="dbt-bouncer is in the dev extra")

from sehat.config import DBT_PROJECT_DIR
from sehat.transform.dbt import dbt_parse

CONFIG = DBT_PROJECT_DIR / "dbt-bouncer.yml"


def bouncer(project: Path, artifacts: Path) -> tuple[subprocess.CompletedProcess, str]:
    """dbt-bouncer with the project's config on the manifest in ``artifacts/target``: the run and
    the failed checks' ids and messages (its JSON report) as one text."""
    exe = Path(sys.executable).with_name("dbt-bouncer")
    env = {**os.environ, "DBT_PROJECT_DIR": str(artifacts)}  # where dbt-bouncer reads target/
    report = artifacts / "bouncer.json"
    run = subprocess.run([str(exe), "--config-file", str(project / "dbt-bouncer.yml"),
                          "--output-format", "json", "--output-file", str(report), "--output-only-failures"],
                         check=False, capture_output=True, text=True, env=env, timeout=300)
    return run, report.read_text() if report.exists() else ""


def parse(project: Path, artifacts: Path, monkeypatch) -> None:
    monkeypatch.setenv("SEHAT_WAREHOUSE", str(artifacts / "never-opened.duckdb"))
    monkeypatch.setattr("sehat.transform.dbt.DBT_PROJECT_DIR", project)
    dbt_parse(target_path=artifacts / "target")


def test_the_project_follows_its_conventions(tmp_path, monkeypatch):
    parse(DBT_PROJECT_DIR, tmp_path, monkeypatch)
    run, failures = bouncer(DBT_PROJECT_DIR, tmp_path)
    assert run.returncode == 0, failures or run.stdout + run.stderr
    assert "All checks passed" in run.stdout
    # not-null checks are one not_null_columns node per model (dbt_project/README.md), never one per column
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    generic = [(n["name"], (n.get("test_metadata") or {}).get("name")) for n in manifest["nodes"].values()]
    per_column = sorted(name for name, test in generic if test == "not_null")
    assert not per_column, f"write these columns into the model's not_null_columns test: {per_column}"
    assert any(test == "not_null_columns" for _, test in generic)


def test_a_staging_model_reading_a_model_and_a_mart_without_grain_test_fail(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    staging = project / "models" / "staging" / "production"
    (staging / "stg_production__orders_again.sql").write_text(
        "select * from {{ ref('stg_production__orders') }}\n")
    (project / "models" / "marts" / "customers" / "customer_extras.sql").write_text(
        "select customer_key from {{ ref('dim_customers') }}\n")
    parse(project, tmp_path, monkeypatch)
    run, failures = bouncer(project, tmp_path)
    assert run.returncode != 0
    for check, model in [("check_lineage_permitted_upstream_models", "stg_production__orders_again"),
                         ("check_model_has_unique_test", "customer_extras"),
                         ("check_model_names", "customer_extras")]:
        assert re.search(rf"{check}:\d+:{model}\b", failures), failures
