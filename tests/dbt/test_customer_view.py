"""The customer view, its segments and the membership history on a small generated warehouse
(built once per session by tests/dbt/customer_warehouse.py)."""

from __future__ import annotations

import pytest

from sehat.segments import load_definitions

from .customer_warehouse import AS_OF

pytest.importorskip("dbt.adapters.duckdb")


@pytest.fixture
def wh(customer_warehouse):  # built once per session (tests/conftest.py); marks its users e2e
    return customer_warehouse


def test_one_row_per_customer_and_every_user_once(wh):
    (rows, keys, users, distinct_users) = wh.query(
        "SELECT count(*), count(DISTINCT customer_key), count(user_id), count(DISTINCT user_id)"
        " FROM marts.dim_customers")[0]
    (production_users,) = wh.query("SELECT count(*) FROM staging.stg_production__users")[0]
    assert rows == keys and users == distinct_users == production_users


def test_no_raw_pii_in_the_analyst_view_but_in_restricted(wh):
    view_cols = {r[0] for r in wh.query(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'marts' AND table_name = 'dim_customers'")}
    assert not {"email", "phone", "birth_date"} & view_cols
    assert {"email_md5", "phone_md5", "name"} <= view_cols
    assert wh.query(
        "SELECT count(*) FROM marts.dim_customers WHERE name IS NOT NULL AND name NOT LIKE '_***'")[0][0] == 0
    # the hash in the view is the md5 of the normalised raw value kept in restricted
    mismatches = wh.query("""
        SELECT count(*) FROM marts.dim_customers d JOIN restricted.dim_customer_pii p USING (customer_key)
        WHERE d.email_md5 IS DISTINCT FROM md5(p.email_normalised)""")[0][0]
    assert mismatches == 0
    assert wh.query("SELECT count(*) FROM restricted.dim_customer_pii WHERE email LIKE '%@%'")[0][0] > 0


def test_rfm_and_lifecycle_follow_their_definitions(wh):
    df = wh.df("SELECT * FROM marts.dim_customers")
    buyers = df[df["n_orders"] > 0]
    for col in ("recency_score", "frequency_score", "monetary_score"):
        assert set(buyers[col].unique()) == {1, 2, 3, 4, 5}
    assert (df.loc[df["n_orders"] == 0, "rfm_segment"] == "no_orders").all()
    # monetary quintiles are ordered by spend
    by_score = buyers.groupby("monetary_score")["total_spend"].agg(["min", "max"]).astype(float)
    assert (by_score["max"].shift(1).dropna().values <= by_score["min"].iloc[1:].values).all()
    days = (AS_OF - df["last_seen_at"].dt.date).map(lambda d: d.days)
    assert (days == df["days_since_last_activity"]).all()
    assert ((df["lifecycle_stage"] == "lapsing") == ((days > 30) & (days <= 90))).all()
    champions = buyers[(buyers["recency_score"] >= 4) & (buyers["frequency_score"] >= 4)]
    assert (champions["rfm_segment"] == "champion").all()


def test_engagement_counts_match_the_events(wh):
    (sent, clicked, ctr_ok) = wh.query("""
        SELECT sum(push_sent + in_app_sent + web_push_sent) = sum(notifications_sent),
               sum(push_clicked) <= sum(push_sent),
               bool_and(push_ctr IS NULL OR push_ctr = push_clicked / push_sent)
        FROM marts.dim_customers""")[0]
    assert sent and clicked and ctr_ok
    (events_sent,) = wh.query(
        """SELECT count(*) FROM staging.stg_clevertap__events WHERE event_name = 'Notification Sent'""")[0]
    assert wh.query("SELECT sum(notifications_sent) FROM marts.dim_customers")[0][0] == events_sent


def test_care_columns(wh):
    df = wh.df("SELECT * FROM marts.dim_customers WHERE n_consultations > 0")
    assert len(df) > 0 and df["consultation_specialities"].notna().all()
    assert df["last_diagnosis_group"].notna().mean() > 0.5
    assert set(df["last_diagnosis_group"].dropna()) <= {
        "infectious", "neoplasms", "blood_immune", "endocrine_metabolic", "mental_behavioural", "nervous_system",
        "eye", "ear", "circulatory", "respiratory", "digestive", "skin", "musculoskeletal", "genitourinary",
        "pregnancy_perinatal", "congenital", "symptoms_signs", "injury_external", "health_services_contact", "other"}


@pytest.mark.parametrize("definition", [d for d in load_definitions() if d.condition], ids=lambda d: d.name)
def test_segment_members_are_exactly_the_customers_meeting_the_condition(wh, definition):
    expected = {r[0] for r in wh.query(
        f"SELECT customer_key FROM intermediate.int_customers_profiled WHERE ({definition.condition})")}
    members = {r[0] for r in wh.query(f"SELECT customer_key FROM marts.{definition.model_name}")}
    assert members == expected
    listed = {r[0] for r in wh.query(
        "SELECT customer_key FROM marts.dim_customers WHERE list_contains(string_split(segments, ', '), ?)",
        [definition.name])}
    assert listed == members


def test_membership_history_and_profile_snapshot(wh):
    days = wh.query("SELECT DISTINCT as_of_date FROM marts.fct_segment_memberships_daily")
    assert [d[0] for d in days] == [AS_OF]
    (entered, exited) = wh.query("""SELECT count(*) FILTER (WHERE change = 'entered'), """
                                 """count(*) FILTER (WHERE change = 'exited')
                                    FROM marts.fct_segment_membership_changes""")[0]
    assert entered == wh.query("SELECT count(*) FROM marts.fct_segment_memberships_daily")[0][0] and exited == 0
    (versions, customers) = wh.query(
        "SELECT count(*), count(DISTINCT customer_key) FROM snapshots.customer_profiles_snapshot")[0]
    assert versions == customers == wh.query("SELECT count(*) FROM marts.dim_customers")[0][0]


def test_cohorts_are_trained_for_every_registered_customer(wh):
    (trained,) = wh.query("SELECT count(*) FROM ml.customer_cohorts")[0]
    assert trained == wh.query("SELECT count(*) FROM marts.dim_customers WHERE NOT is_anonymous")[0][0]
    assert wh.personalisation["cohorts"]["k"] in (3, 4, 5, 6, 7, 8)
