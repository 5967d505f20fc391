"""Build the dbt project on the hand-written raw fixture and check what analysts get."""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import pytest

from sehat.transform.dbt import DbtBuildError, dbt_build


def key(anchor: str) -> str:
    return hashlib.md5(anchor.encode()).hexdigest()


def enabled_models(result) -> int:
    """Models dbt enabled for this target (from the manifest written beside run_results.json)."""
    manifest = json.loads((result.run_results_path.parent / "manifest.json").read_text())
    return sum(node["resource_type"] == "model" for node in manifest["nodes"].values())


def test_build_runs_models_tests_and_unit_tests(dbt_built):
    r = dbt_built.result
    assert r.ok
    assert r.models == enabled_models(r) >= 19  # every enabled model was built
    assert r.tests_failed == 0
    assert r.tests_passed > 60
    unit_tests = {n.name for n in r.nodes if n.resource_type == "unit_test"}
    assert {
        "int_identities_resolved.anonymous_device_that_logs_in_becomes_the_user",
        "int_identities_resolved.two_devices_of_one_user_merge",
        "int_identities_resolved.a_changed_phone_stays_one_customer",
        "int_identities_resolved.unrelated_anonymous_devices_stay_separate",
        "int_identity_edges_collected.edges_from_events_and_users",
    } <= unit_tests
    assert r.unit_tests_passed == len(unit_tests) >= 6


def test_schemas_are_exact(dbt_built):
    schemas = {
        row[0]
        for row in dbt_built.query("select distinct table_schema from information_schema.tables")
    }
    assert {"raw", "staging", "intermediate", "marts"} <= schemas
    assert not any(s.startswith("main_") for s in schemas)


def test_dim_customers_stitches_identities(dbt_built):
    rows = {
        r["customer_key"]: r for r in dbt_built.query_dicts("select * from marts.dim_customers")
    }
    # 5 production users + 2 unrelated anonymous devices
    assert len(rows) == 7

    ayu = rows[key("user_id:1")]  # anonymous device that logged in + a second device
    assert (ayu["user_id"], ayu["identity"], ayu["n_devices"], ayu["platforms"]) == (
        1,
        "U0000001",
        2,
        "Android, iOS",
    )
    assert ayu["n_events"] == 6  # e-dup delivered twice counts once; pre-login events included
    assert str(ayu["first_seen_at"]) == "2025-11-01 08:00:00"  # the anonymous first launch
    assert (ayu["last_event_name"], ayu["n_orders"], float(ayu["total_spend"])) == (
        "Consultation Booked",
        1,
        50000.0,
    )
    assert (ayu["n_consultations"], ayu["n_lab_bookings"], ayu["age"]) == (1, 1, 35)
    assert ayu["name"] == "A***"  # no raw PII

    budi = rows[key("user_id:2")]  # phone changed; anonymous web device knew the old phone
    assert (budi["n_devices"], budi["platforms"], budi["city"]) == (2, "Android, Web", "Surabaya")
    assert (budi["n_orders"], budi["n_appointments"]) == (1, 1)

    # a phone shared by two accounts does not merge them
    assert rows[key("user_id:4")]["n_user_ids"] == rows[key("user_id:5")]["n_user_ids"] == 1
    # cancelled orders and consultations do not count
    assert rows[key("user_id:5")]["n_orders"] == 0
    assert rows[key("user_id:3")]["n_consultations"] == 2

    anonymous = [r for r in rows.values() if r["is_anonymous"]]
    assert sorted(r["platforms"] for r in anonymous) == ["Android", "iOS"]
    assert {r["customer_key"] for r in anonymous} == {
        key("objectId:dev-anon-3"),
        key("objectId:dev-anon-4"),
    }
    assert all(r["user_id"] is None and r["n_devices"] == 1 for r in anonymous)

    columns = {
        c[0]
        for c in dbt_built.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'dim_customers'"
        )
    }
    assert not {"email", "phone"} & columns


def test_segment_default_as_of_is_latest_activity(dbt_built):
    rows = dbt_built.query(
        "select user_id, days_since_consultation, cast(as_of_date as varchar) "
        "from marts.seg_consulted_no_order_30d order by user_id"
    )
    # as_of = 2025-11-29 (user 5's cancelled order); user 2 ordered after consulting
    assert rows == [(1, 9, "2025-11-29"), (5, 1, "2025-11-29")]


def test_segment_for_a_chosen_as_of_date(dbt_built, monkeypatch):
    monkeypatch.setenv("SEHAT_WAREHOUSE", str(dbt_built.path))
    dbt_build(
        select="int_as_of_date_resolved seg_consulted_no_order_30d",
        vars={"as_of_date": "2025-11-27"},
        target_path=dbt_built.target_path,
    )
    rows = dbt_built.query(
        "select user_id, days_since_consultation, cast(as_of_date as varchar) "
        "from marts.seg_consulted_no_order_30d order by user_id"
    )
    # user 1: 7 days, no order since; user 2 ordered the day after; user 3: 29 days (its later
    # consultation was cancelled); user 4: 30 days, outside; user 5: consultation after as_of
    assert rows == [(1, 7, "2025-11-27"), (3, 29, "2025-11-27")]


def test_every_model_column_is_documented(dbt_built):
    manifest = json.loads((dbt_built.target_path / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    with duckdb.connect(str(dbt_built.path), read_only=True) as con:
        for node in models:
            assert node["description"].strip(), node["name"]
            built = {
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [node["schema"], node["alias"]],
                ).fetchall()
            }
            documented = {c for c, meta in node["columns"].items() if meta["description"].strip()}
            assert built == documented, node["name"]


def test_views_work_in_a_copy_of_the_warehouse(dbt_built, tmp_path):
    # DuckDB names the catalog after the file: the reader snapshot (sehat_read.duckdb) must
    # still resolve the staging/intermediate views (ref/source render without the catalog).
    copy = tmp_path / "sehat_read.duckdb"
    shutil.copyfile(dbt_built.path, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_clevertap__events").fetchone() == (12,)
        assert con.execute(
            "select count(distinct customer_key) from intermediate.int_identities_resolved"
        ).fetchone() == (7,)


def test_failing_test_raises_with_node_names(dbt_built, tmp_path, monkeypatch):
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(dbt_built.path, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("update raw.prod_users set gender = 'X', identity = NULL where user_id = 3")
    monkeypatch.setenv("SEHAT_WAREHOUSE", str(broken))
    with pytest.raises(DbtBuildError) as err:
        dbt_build(select="stg_production__users", target_path=dbt_built.target_path)
    assert "accepted_values_stg_production__users_gender" in str(err.value)
    # the model's one not-null test fails with one row: the one column holding a null
    assert "test not_null_columns_stg_production__users_" in str(err.value)
    failed = {n.name.split(".")[0]: n for n in err.value.result.failed_nodes}
    assert len(failed) == err.value.result.tests_failed == 2
    assert next(n for name, n in failed.items() if name.startswith("not_null_columns")).failures == 1


def test_result_as_dict_is_compact(dbt_built):
    plain = dbt_built.result.as_dict()
    assert plain["success"] is True and plain["models"] == enabled_models(dbt_built.result)
    assert plain["failed_nodes"] == []
    assert json.dumps(plain)  # JSON-friendly, no log text
