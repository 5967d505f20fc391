"""PII by value compares like with like (issue 28): a known phone matches a value that *is* a phone,
never the digits left over once the letters of an identifier are dropped.

The false-positive side is measured at the scale that broke the daily run: 1,000,000 known phones
(shaped like the warehouse's, ``+62 8xx`` mobiles) against 1,000,000 md5 keys, UUIDs and integer ids.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from sehat.release.checks import KnownPII, pii_check

N = 1_000_000


@pytest.fixture(scope="module")
def phones() -> pd.Series:
    """1,000,000 distinct Indonesian mobile numbers, as ``restricted.dim_customer_pii`` holds them."""
    r = np.random.default_rng(28)
    prefix = r.choice(np.array([62812, 62813, 62821, 62857, 62878, 62895], dtype="int64"), 2 * N)
    numbers = pd.Series(prefix * 10**9 + r.integers(10**8, 10**9, 2 * N)).drop_duplicates().iloc[:N]
    return "+" + numbers.astype("str")


@pytest.fixture(scope="module")
def known(phones) -> KnownPII:
    """Read once, as a gate run reads ``restricted.dim_customer_pii`` once for every check."""
    return KnownPII.of({"phone": phones, "email": pd.Series([f"user{i}@mail.example" for i in range(1000)])})


def _md5_keys(n: int, salt: str) -> list[str]:
    """``n`` md5 hex keys, as the warehouse makes ``customer_key`` (``md5(customer_anchor)``)."""
    return duckdb.sql(f"SELECT md5('{salt}' || i::VARCHAR) AS k FROM range({n}) t(i)").df()["k"].tolist()


def test_the_old_tail_rule_would_have_refused_these_keys(phones):
    """The premise, measured: the digits left in md5 keys hit a known phone's last nine digits."""
    keys = pd.Series(_md5_keys(20_000, "old"), dtype="str").str.replace(r"\D", "", regex=True)
    tails = keys[keys.str.len() >= 9].str.slice(-9).astype("int64").to_numpy()
    known_tails = np.sort((phones.str.slice(1).astype("int64") % 10**9).to_numpy())
    assert np.isin(tails, known_tails).sum() >= 5  # ~1 in 1,000: ~20 expected


def test_a_million_md5_keys_are_not_phones(known):
    frame = pd.DataFrame({"customer_key": _md5_keys(N, "key"), "as_of_date": "2026-11-04"})
    result = pii_check(frame, known=known)
    assert result["success"], result["observed"]
    assert result["kwargs"]["known_values"] == N + 1000


def test_a_million_uuids_are_not_phones(known):
    ids = duckdb.sql(f"SELECT md5('uuid' || i::VARCHAR)::UUID::VARCHAR AS u FROM range({N}) t(i)").df()["u"]
    assert ids.str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").all()
    result = pii_check(pd.DataFrame({"consultation_id": ids}), known=known)
    assert result["success"], result["observed"]


def test_a_million_integer_ids_are_not_phones(known):
    r = np.random.default_rng(4)
    sequential = np.arange(1, N + 1, dtype="int64")
    snowflake = r.integers(10**17, 2**63 - 1, N, dtype="int64")  # 18-19 digit ids (Twitter-style)
    frame = pd.DataFrame({"user_id": sequential, "event_id": snowflake,
                          "user_ref": sequential.astype(str), "event_ref": snowflake.astype(str)})
    result = pii_check(frame, known=known)
    assert result["success"], result["observed"]


def test_a_known_phone_is_found_among_a_million_keys(known, phones):
    """The same scan still finds the one phone hidden in a key column (bare, without its country code)."""
    keys = _md5_keys(N, "hide")
    keys[123_456] = phones.iloc[777][3:]  # "812..." : the number without "+62"
    result = pii_check(pd.DataFrame({"customer_key": keys}), known=known)
    assert not result["success"]
    assert "values in customer_key (1 distinct" in result["observed"]


@pytest.mark.parametrize("value", [
    "+62 812-3456-7890", "0812 3456 7890", "(+62) 812 3456 7890", "0062 812 3456 7890",
    "812-3456-7890", "6281234567890", "hubungi 8123-4567-890 ya", "ring 812.3456.7890 or write",
])
def test_a_known_phone_in_any_notation_is_refused(value):
    known = {"phone": ["+6281234567890"]}
    result = pii_check(pd.DataFrame({"contact_number": [value]}), known=known)
    assert not result["success"], value


@pytest.mark.parametrize("value", [
    62_81234567890,  # the whole number, as an integer
    81234567890,  # its national significant number
])
def test_a_known_phone_stored_as_an_integer_is_refused(value):
    result = pii_check(pd.DataFrame({"contact": pd.Series([value], dtype="int64")}),
                       known={"phone": ["+6281234567890"]})
    assert not result["success"]


@pytest.mark.parametrize("value", [
    "0f6281234567890a",  # the digits of a known phone inside an identifier
    "P6281234567890",  # inside a product code
    "1281234567890",  # the same national number behind another country code
    "6281234567891",  # a different number
    "9f86d081884c7d659a2feaa0c55ad015", "2026-11-04 10:00:00",
])
def test_a_value_that_is_not_the_known_phone_passes(value):
    result = pii_check(pd.DataFrame({"ref": [value]}), known={"phone": ["+6281234567890"]})
    assert result["success"], (value, result["observed"])


def test_known_phones_are_read_by_country_code():
    """The national significant number drops a country code of one, two or three digits (ITU-T E.164)."""
    keys = KnownPII.of({"phone": ["+1 415 555 0132", "+62 812 3456 7890", "+971 50 123 4567", "0812 9999 0000"]}).phones
    nsn = {int(k) % 10**15 for k in keys["nsn"]}
    assert nsn == {4155550132, 81234567890, 501234567, 81299990000}
    assert {int(k) % 10**15 for k in keys["e164"]} == {14155550132, 6281234567890, 971501234567}


# --------------------------------------------------------------------------- the gate of a segment


def _restricted_snapshot(cfg, phones: list[str]) -> None:
    """The restricted snapshot with ``restricted.dim_customer_pii`` holding ``phones`` (written beside, then
    renamed into place, as the warehouse publishes it)."""
    from sehat.warehouse import restricted_path

    path = restricted_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("next_snapshot.duckdb")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        con.execute("CREATE SCHEMA restricted")
        con.execute("CREATE TABLE restricted.dim_customer_pii (email VARCHAR, phone VARCHAR)")
        con.executemany("INSERT INTO restricted.dim_customer_pii VALUES (?, ?)",
                        [(f"user{i}@mail.example", p) for i, p in enumerate(phones)])
    tmp.replace(path)


def test_a_segment_of_hashed_keys_passes_although_their_digits_end_like_known_phones(sehat_home):
    """Issue 28 in small: six members whose md5 keys, letters stripped, end with the last nine digits
    of a known phone (what the old rule called "6 distinct phone numbers"); the segment publishes."""
    from sehat.release import exports as ex
    from tests.gate.snapshots import write_snapshot

    keys = _md5_keys(300, "member")
    tails = [k for k in (pd.Series(keys).str.replace(r"\D", "", regex=True)) if len(k) >= 9][:6]
    _restricted_snapshot(sehat_home, [f"+62812{t[-9:]}" for t in tails] + ["+6281234567890"])
    rows = [(k, str(i), "2026-11-01 09:00:00", "3", "2026-11-04") for i, k in enumerate(keys)]
    write_snapshot(sehat_home, {"consulted_no_order_30d": rows}, customers=1000)
    result = ex.validate_export("consulted_no_order_30d", "2026-11-04", "r1", sehat_home)
    (pii,) = [c for c in result["checks"] if c["expectation"] == "expect_no_pii"]
    assert result["passed"] and pii["success"] and pii["kwargs"]["known_values"] == 14


def test_a_known_phone_in_a_segment_key_is_still_refused(sehat_home):
    from sehat.release import GateFailed
    from sehat.release import exports as ex
    from tests.gate.snapshots import write_snapshot

    _restricted_snapshot(sehat_home, ["+6281234567890"])
    rows = [(k, str(i), "2026-11-01 09:00:00", "3", "2026-11-04") for i, k in enumerate(_md5_keys(300, "m"))]
    rows[7] = ("81234567890",) + rows[7][1:]  # a phone where a key belongs, without its country code
    write_snapshot(sehat_home, {"consulted_no_order_30d": rows}, customers=1000)
    with pytest.raises(GateFailed, match=r"values in customer_key \(1 distinct"):
        ex.validate_export("consulted_no_order_30d", "2026-11-04", "r1", sehat_home)


def test_the_known_values_are_read_once_per_snapshot_file(sehat_home):
    from sehat.release.checks import known_pii_in_snapshot

    _restricted_snapshot(sehat_home, ["+6281234567890"])
    first = known_pii_in_snapshot(sehat_home)
    assert known_pii_in_snapshot(sehat_home) is first  # the same file: not read again
    _restricted_snapshot(sehat_home, ["+6281234567890", "+6281399990000"])  # a new snapshot
    assert known_pii_in_snapshot(sehat_home).count == 4


@pytest.mark.parametrize("value", ["+62 812-3456-7890", "0812 3456 7890", "write to budi.s@mail.example"])
def test_formatted_phones_and_emails_are_refused_without_known_values(value):
    assert not pii_check(pd.DataFrame({"contact_number": [value]}))["success"]
