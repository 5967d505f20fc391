"""dbt parse produces the manifest Cosmos loads; the project's metadata stays in sync."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is in the orchestration extra")

from sehat.config import DBT_PROJECT_DIR
from sehat.sources.clevertap import EVENTS
from sehat.transform.dbt import dbt_parse


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("parse")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEHAT_WAREHOUSE", str(tmp / "never-opened.duckdb"))
        path = dbt_parse(target_path=tmp / "target")
    assert path == tmp / "target" / "manifest.json"
    assert not (tmp / "never-opened.duckdb").exists()  # parse does not connect
    return json.loads(path.read_text())


def test_manifest_has_the_layers(manifest):
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    production = [m for m in models if m.startswith("stg_production__")]
    # one per production table (the keys deleted at the source are a macro on the source, not a model)
    assert len(production) == 13 and "stg_production__deletions" not in production and "stg_clevertap__events" in models
    assert {models[m]["schema"] for m in models if m.startswith("stg_")} == {"staging"}
    assert {models[m]["schema"] for m in models if m.startswith("int_")} == {"intermediate"}
    assert (
        models["dim_customers"]["schema"]
        == models["seg_consulted_no_order_30d"]["schema"]
        == "marts"
    )
    assert models["dim_customers"]["config"]["materialized"] == "table"
    assert models["stg_production__users"]["config"]["materialized"] == "view"
    # the one staging table: incremental, so the daily build does not re-deduplicate history
    events = models["stg_clevertap__events"]["config"]
    assert (events["materialized"], events["incremental_strategy"], events["unique_key"]) == (
        "incremental", "delete+insert", "event_key")


def test_only_staging_reads_sources(manifest):
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["depends_on"]["nodes"]:
            reads_source = any(d.startswith("source.") for d in node["depends_on"]["nodes"])
            assert reads_source == node["name"].startswith("stg_"), node["name"]


def test_sources_have_freshness(manifest):
    tables = {s["name"]: s for s in manifest["sources"].values()}
    assert tables["clevertap_events"]["loaded_at_field"] == "loaded_at"
    assert tables["prod_users"]["loaded_at_field"] == "_extracted_at"
    assert tables["prod_orders"]["freshness"]["error_after"]["count"] == 72


def test_exposure_and_unit_tests_are_declared(manifest):
    assert any(
        e["name"] == "segment_consulted_no_order_30d_file_drop"
        for e in manifest["exposures"].values()
    )
    assert len(manifest["unit_tests"]) >= 6


def test_event_names_are_not_listed_twice():
    """The catalogue seed is the one list of known events: no accepted_values copy of it."""
    models = yaml.safe_load(
        (DBT_PROJECT_DIR / "models/staging/clevertap/_clevertap__models.yml").read_text()
    )
    column = next(c for c in models["models"][0]["columns"] if c["name"] == "event_name")
    assert not any(isinstance(t, dict) and "accepted_values" in t for t in column.get("data_tests") or [])
    assert ((DBT_PROJECT_DIR / "seeds/clevertap/clevertap_event_catalogue.csv").read_text().count("\n")
            == len(EVENTS) + 1)


def test_profiles_default_path_is_relative_to_the_project():
    profiles = yaml.safe_load(Path(DBT_PROJECT_DIR / "profiles.yml").read_text())
    duck = profiles["sehat"]["outputs"]["duckdb"]
    assert "'../.sehat/warehouse/sehat.duckdb'" in duck["path"]
    # threads share dbt's one process (DuckDB's single writer is per process), 4 unless SEHAT_DBT_THREADS says
    assert "env_var('SEHAT_DBT_THREADS', '4')" in duck["threads"] and duck["keep_open"] is False
