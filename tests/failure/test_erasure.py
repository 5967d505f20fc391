"""Erasure of a user deleted at the production source (issue 18): hand-made sources in a temporary
home (the production SQLite database of test_production_drift, the CleverTap landing files of
test_clevertap_inputs). After ``sehat.erasure.erase`` no phone number or e-mail address of the
user is left in the warehouse, a re-landed day is purged again, an erasure request works the
same way, the audit says what was purged without the values, and the release gate refuses a
publication that holds an erased user. The whole pipeline on a generated world:
tests/failure/test_deleted_at_source.py."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

from sehat.erasure import erase
from sehat.ingest.clevertap import ingest_day
from sehat.ingest.production import extract_day
from sehat.release.checks import erased_users, erased_users_check
from sehat.warehouse import writer
from tests.failure.test_clevertap_inputs import _export, _line
from tests.failure.test_production_drift import _rows, _source

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)
USERS = ("CREATE TABLE users (user_id INTEGER, identity TEXT, name TEXT, email TEXT, phone TEXT, birth_date DATE,"
         " city TEXT, updated_at TIMESTAMP)")
AYU = "(1, 'U1', 'Ayu Lestari', 'ayu@example.id', '+628111111', '1990-06-15', 'Jakarta', '2026-11-01 08:00:00')"
BUDI = "(2, 'U2', 'Budi Santoso', 'Budi@Example.id', '+628122222', '1985-12-01', 'Bandung', '2026-11-01 09:00:00')"
# how user 2's contacts are written anywhere (CleverTap formats the phone its own way)
BUDI_NEEDLES = ("budi@example.id", "+628122222", "+62 812-2222", "budi santoso")
AYU_NEEDLES = ("ayu@example.id", "+628111111", "ayu lestari")


def _profile(object_id: str, **fields) -> dict:
    return {"profile": {"objectId": object_id, **fields}}


def _land_clevertap(cfg) -> None:
    """One export day: user 2's events (identity, only an e-mail, anonymous before login), user 1's,
    and quarantined lines holding user 2's phone or identity, and one holding nobody's."""
    _export(cfg, [
        _line("__dev2", **_profile("__dev2", identity="U2", phone="+62 812-2222", email="budi@example.id",
                                   name="Budi Santoso", all_identities=["U2", "budi@example.id"])),
        _line("__dev2", ts=20261101080000),  # before login: no identity, no contact
        _line("__web2", ts=20261101090000, **_profile("__web2", email="BUDI@example.id ")),
        _line("__dev1", **_profile("__dev1", identity="U1", phone="+62 811-1111", email="ayu@example.id")),
        '{"ts": 2026110110, "eventName": "App Launched", "profile": {"objectId": "__x", "phone": "+62 812-2222"',
        '{"eventName": "App Launched", "profile": {"objectId": "__y", "identity": "U2"}}',
        "{broken",
    ])
    ingest_day(D1, cfg)


def _world(cfg):
    """Users 1 and 2 extracted on D1 with their CleverTap day; user 2 deleted at the source on D2."""
    _source(cfg, USERS, f"INSERT INTO users VALUES {AYU}", f"INSERT INTO users VALUES {BUDI}")
    _land_clevertap(cfg)
    extract_day(D1, cfg, tables=["users"])
    assert erase(cfg, D1).subjects == 0  # nobody deleted yet: nothing happens
    _source(cfg, "DELETE FROM users WHERE user_id = 2")
    extract_day(D2, cfg, tables=["users"])
    return cfg


def _found(cfg, needles) -> dict[str, int]:
    """Rows of every warehouse table whose values (any column, as text) contain one of ``needles``."""
    found = {}
    with writer(cfg) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        for schema, table in tables:
            n = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" AS t WHERE '
                + " OR ".join("strpos(lower(CAST(t AS VARCHAR)), ?) > 0" for _ in needles),
                [n.lower() for n in needles]).fetchone()[0]
            if n:
                found[f"{schema}.{table}"] = n
    return found


def test_a_user_deleted_at_the_source_is_erased_from_the_raw_layer(sehat_home):
    cfg = _world(sehat_home)
    assert _found(cfg, BUDI_NEEDLES)  # the sources did carry user 2's contacts into raw
    report = erase(cfg, D2)
    assert report.subjects == 1 and list(report.users) == [2]
    purged = report.users[2]["purged"]
    assert purged == {"raw.prod_users": 1, "raw.clevertap_events": 2, "raw.clevertap_quarantine": 2}

    assert _found(cfg, BUDI_NEEDLES) == {}
    assert set(_found(cfg, AYU_NEEDLES)) == {"raw.prod_users", "raw.clevertap_events"}  # user 1 untouched
    assert _rows(cfg, "SELECT user_id, identity, name, email, phone, birth_date, city FROM raw.prod_users"
                      " ORDER BY 1")[1] == (2, "U2", None, None, None, None, "Bandung")
    # the anonymous event before login stays (no contact, no longer linked to anyone)
    assert _rows(cfg, "SELECT object_id, identity FROM raw.clevertap_events ORDER BY 1") == [
        ("__dev1", "U1"), ("__dev2", None)]
    assert _rows(cfg, "SELECT raw_line FROM raw.clevertap_quarantine") == [("{broken",)]

    # the audit: who, why, how many rows where; never the values
    (user_id, reason, day, rows, what), = _rows(cfg, "SELECT user_id, reason, batch_date, rows_purged, purged"
                                                     " FROM raw.erasure_log")
    assert (user_id, reason, day, rows, json.loads(what)) == (2, "deleted_at_source", D2, 5, purged)
    # the suppression list keeps the identity and hashes, so re-landed lines are found again
    assert {k for (k,) in _rows(cfg, "SELECT kind FROM raw.erasure_identifiers")} == {
        "identity", "email_md5", "phone_md5"}


def test_a_rerun_that_lands_the_users_lines_again_purges_them_again(sehat_home):
    cfg = _world(sehat_home)
    erase(cfg, D2)
    _land_clevertap(cfg)  # a re-run of D1 reloads its files: user 2's lines are back
    extract_day(D2, cfg, tables=["users"])
    assert set(_found(cfg, BUDI_NEEDLES)) == {"raw.clevertap_events", "raw.clevertap_quarantine"}
    again = erase(cfg, D2)
    assert again.users[2]["purged"] == {"raw.clevertap_events": 2, "raw.clevertap_quarantine": 2}
    assert _found(cfg, BUDI_NEEDLES) == {}
    assert erase(cfg, D2).users == {}  # nothing left: no new audit row
    assert _rows(cfg, "SELECT rows_purged FROM raw.erasure_log ORDER BY erased_at") == [(5,), (4,)]


def test_an_erasure_request_for_a_user_still_at_the_source(sehat_home):
    cfg = _world(sehat_home)
    report = erase(cfg, user_ids=[1, 404])
    assert report.users[1] == {"reason": "request",
                               "purged": {"raw.clevertap_events": 1, "raw.prod_users": 1}}
    assert report.unknown == [404]  # nothing of that user yet: recorded, purged when it arrives
    assert report.still_in_app == [1]  # the app still has the account: the operator is told
    assert _found(cfg, AYU_NEEDLES + BUDI_NEEDLES) == {}
    assert erase(cfg).users == {}  # the requests stay subjects of every later run, with nothing left
    assert _rows(cfg, "SELECT user_id, reason FROM raw.erasure_log ORDER BY 1") == [
        (1, "request"), (2, "deleted_at_source"), (404, "request")]


def test_the_command_line_erases_and_says_what_it_purged(sehat_home):
    from sehat.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["erase"])
    assert result.exit_code == 1 and result.output.strip().startswith("error: no warehouse")
    result = runner.invoke(app, ["erase", "--user-id", "0"])
    assert result.exit_code == 1 and "positive integer" in result.output
    _world(sehat_home)
    result = runner.invoke(app, ["erase", "--user-id", "1"])
    assert result.exit_code == 0, result.output
    assert "2 user(s) to erase, 2 purged now" in result.output and "raw.erasure_log" in result.output
    assert "user 1 still has an account in the app" in " ".join(result.output.split())
    assert _found(sehat_home, AYU_NEEDLES + BUDI_NEEDLES) == {}


def test_the_gate_refuses_a_publication_holding_a_user_deleted_at_the_source(sehat_home):
    cfg = _world(sehat_home)
    erase(cfg, D2)
    with writer(cfg) as con:
        erased = erased_users(con)
    assert erased["user_id"] == {2} and erased["identity"] == {"U2"}
    members = pd.DataFrame({"customer_key": ["k1", "k2"], "user_id": [1, 2], "identity": ["U1", "U2"]})
    refused = erased_users_check(members, erased)
    assert not refused["success"] and "user_id 2" in refused["observed"] and "identity U2" in refused["observed"]
    assert erased_users_check(members[members.user_id == 1], erased)["success"]
    # by customer key alone too (an export without user ids), and user ids read as text or floats
    erased["customer_key"] = {"k2"}
    assert not erased_users_check(members[["customer_key"]], erased)["success"]
    assert not erased_users_check(pd.DataFrame({"user_id": ["2"]}), erased)["success"]
    assert not erased_users_check(pd.DataFrame({"user_id": [2.0, None]}), erased)["success"]


@pytest.mark.parametrize("restored", [False, True])
def test_a_key_back_at_the_source_is_no_longer_deleted(sehat_home, restored):
    cfg = _world(sehat_home)
    if restored:
        _source(cfg, f"INSERT INTO users VALUES {BUDI}")  # a restore from backup
    (report,) = extract_day(date(2026, 11, 3), cfg, tables=["users"])
    assert report.detail["restored_at_source"] == (1 if restored else 0)
    assert _rows(cfg, "SELECT count(*) FROM raw.production_deletions") == [(0 if restored else 1,)]


def test_a_rerun_of_an_earlier_day_keeps_the_row_of_a_user_deleted_since(sehat_home):
    cfg = _world(sehat_home)
    erase(cfg, D2)
    extract_day(D1, cfg, tables=["users"])  # re-run D1: the source no longer has user 2
    assert _rows(cfg, "SELECT user_id, email FROM raw.prod_users ORDER BY 1") == [
        (1, "ayu@example.id"), (2, None)]  # kept (as erased), so the marts can still flag them
    assert _rows(cfg, "SELECT count(*) FROM raw.production_deletions") == [(1,)]


def test_a_phone_written_as_a_json_number_is_erased_too(sehat_home):
    """CleverTap's documented records without a CleverTap ID may carry the phone as a JSON number,
    without its '+' (issue 27): the suppression list matches it to the user's '+62...' phone."""
    cfg = sehat_home
    _source(cfg, USERS, f"INSERT INTO users VALUES {AYU}", f"INSERT INTO users VALUES {BUDI}")
    _export(cfg, [
        json.dumps({"ts": 20261101100000, "eventName": "Notification Sent",
                    "profile": {"phone": 628122222, "platform": "Web"}, "eventProps": {"campaign": "c1"}}),
        json.dumps({"ts": 20261101100001, "eventName": "Notification Sent",
                    "profile": {"phone": 628111111, "platform": "Web"}, "eventProps": {"campaign": "c1"}}),
    ])
    ingest_day(D1, cfg)
    extract_day(D1, cfg, tables=["users"])
    _source(cfg, "DELETE FROM users WHERE user_id = 2")
    extract_day(D2, cfg, tables=["users"])
    assert _found(cfg, ("628122222",))
    report = erase(cfg, D2)
    assert report.users[2]["purged"]["raw.clevertap_events"] == 1
    assert _found(cfg, ("628122222",)) == {}
    assert "raw.clevertap_events" in _found(cfg, ("628111111",))  # user 1's event stays
