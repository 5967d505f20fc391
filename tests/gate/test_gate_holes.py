"""The two holes found by trying the gate (issue 17), closed.

1. Size bounds held on the first publication and on a jump from zero, not only against a live
   publication with rows: an audience of every customer is refused.
2. PII found by value, not only by column name: ``phone AS contact_number`` is refused.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sehat.release import GateFailed
from sehat.release import exports as ex
from sehat.release.checks import pii_check
from sehat.segments import SegmentDefinitionError, get_segment, parse_definition
from tests.gate.snapshots import members, write_snapshot

SEG = "consulted_no_order_30d"  # min_rows 1, default share bound
EMPTY_OK = "lapsing_repeat_buyers"  # allow_empty: true


def failed(err) -> set[str]:
    return {c["expectation"] for c in err.value.failures()}


# --------------------------------------------------------------------------- size bounds


def test_the_first_publication_of_every_customer_is_refused(sehat_home):
    write_snapshot(sehat_home, {SEG: members(1279, 5)}, customers=1279)
    with pytest.raises(GateFailed) as err:
        ex.validate_export(SEG, "2026-11-04", "r1", sehat_home)
    assert failed(err) == {"expect_share_of_customers_at_most"}
    assert "1279 of 1279 customers" in str(err.value)
    assert ex.current_publication(SEG, sehat_home) is None


def test_a_jump_from_zero_to_every_customer_is_refused(sehat_home):
    write_snapshot(sehat_home, {EMPTY_OK: []}, customers=1279)
    ex.validate_export(EMPTY_OK, "2026-11-04", "r1", sehat_home)
    live = ex.publish_export(EMPTY_OK, "r1", sehat_home)
    assert live["rows"] == 0

    write_snapshot(sehat_home, {EMPTY_OK: members(1279, 7)}, customers=1279)
    with pytest.raises(GateFailed) as err:
        ex.validate_export(EMPTY_OK, "2026-11-05", "r2", sehat_home)
    assert "expect_share_of_customers_at_most" in failed(err)
    assert ex.current_publication(EMPTY_OK, sehat_home)["publication_id"] == live["publication_id"]


def test_a_plausible_first_publication_passes(sehat_home):
    write_snapshot(sehat_home, {SEG: members(200, 5)}, customers=1279)
    result = ex.validate_export(SEG, "2026-11-04", "r1", sehat_home)
    assert result["passed"] and result["total_customers"] == 1279


def test_the_share_bound_fails_closed_without_a_customer_count(sehat_home):
    write_snapshot(sehat_home, {SEG: members(3, 5)}, customers=None)
    with pytest.raises(GateFailed, match="no customer count"):
        ex.validate_export(SEG, "2026-11-04", "r1", sehat_home)


def test_bounds_are_configurable_per_segment(tmp_path, sehat_home, monkeypatch):
    yml = tmp_path / "tiny_audience.yml"
    yml.write_text("name: tiny_audience\ndescription: d\nowner: crm@sehat.example\ndestination: campaign_tool\n"
                   "refresh: daily\nmodel: seg_consulted_no_order_30d\n"
                   "columns: [customer_key, user_id, last_consultation_at, days_since_consultation, as_of_date]\n"
                   "max_rows: 5\nmax_share: 0.9\n")
    segment = parse_definition(yml).as_segment()
    assert (segment.max_rows, segment.max_share) == (5, 0.9)
    monkeypatch.setattr(ex, "get_segment", lambda name: segment if name == "tiny_audience" else get_segment(name))
    write_snapshot(sehat_home, {SEG: members(6, 5)}, customers=1279)
    with pytest.raises(GateFailed) as err:
        ex.validate_export("tiny_audience", "2026-11-04", "r1", sehat_home)
    assert failed(err) == {"expect_rows_at_most"}

    yml.write_text(yml.read_text().replace("max_share: 0.9", "max_share: 1.5"))
    with pytest.raises(SegmentDefinitionError, match="max_share"):
        parse_definition(yml)


# --------------------------------------------------------------------------- PII by value


def test_phone_as_contact_number_is_refused(sehat_home, monkeypatch):
    """A hand-written model exporting ``phone AS contact_number``: the name is harmless, the values are not."""
    leaky = dataclasses.replace(get_segment(SEG), name="contact_list",
                                columns=("customer_key", "contact_number", "as_of_date"))
    monkeypatch.setattr(ex, "get_segment", lambda name: leaky if name == "contact_list" else get_segment(name))
    rows = [(f"c{i}", f"+62812{100000000 + i}", "2026-11-04") for i in range(1000)]
    write_snapshot(sehat_home, {}, customers=5000,
                   extra_sql="CREATE TABLE marts.seg_consulted_no_order_30d"
                             " (customer_key VARCHAR, contact_number VARCHAR, as_of_date VARCHAR);"
                             + "".join(f"INSERT INTO marts.seg_consulted_no_order_30d VALUES {r};" for r in rows[:50]))
    with pytest.raises(GateFailed) as err:
        ex.validate_export("contact_list", "2026-11-04", "r1", sehat_home)
    assert failed(err) == {"expect_no_pii"}
    assert "values in contact_number (50 distinct" in str(err.value)
    gate = (sehat_home.publish_dir / ".candidates" / "segments" / "contact_list" / "r1" / "gate.json").read_text()
    assert "+62812100000000" not in str(err.value) + gate  # the report shows masked values only
    assert ex.current_publication("contact_list", sehat_home) is None


def test_known_pii_values_are_found_in_any_shape(sehat_home):
    known = {"email": {"Budi.Santoso7@mail.example"}, "phone": {"+62812123456789"}}
    for leaked in (pd.Series(["812123456789"]),  # the known phone without its country code
                   pd.Series([62812123456789]),  # as a number
                   pd.Series(["budi.santoso7@mail.example "])):  # case and spaces
        result = pii_check(pd.DataFrame({"customer_key": ["c1"], "note": leaked}), known=known)
        assert not result["success"], leaked.iloc[0]
        assert "values in note" in result["observed"]


@pytest.mark.parametrize("value", ["write to ops+1@sehat.example", "call 0812-3456-7890", "(+62) 812 3456 7890"])
def test_phone_and_email_patterns_are_found_in_free_text(value):
    assert not pii_check(pd.DataFrame({"reason": [value]}))["success"]


def test_ordinary_export_values_are_not_pii():
    frame = pd.DataFrame({
        "customer_key": ["9f86d081884c7d659a2feaa0c55ad015", "c123"], "identity": ["U0000042", "U1234567"],
        "item_id": ["1234567890123", "P17"], "as_of_date": ["2026-11-04", "2026-11-04 10:00:00"],
        "score": [0.5, 0.25], "user_id": [42, 1234567], "reason": ["co_purchase", "bought with 3 others"],
        "email_md5": ["0cc175b9c0f1b6a831c399e269772661", None],
    })
    result = pii_check(frame, allow_hashed=True, known={"email": {"a@b.example"}, "phone": {"+62812123456789"}})
    assert result["success"], result["observed"]
    assert not pii_check(frame, allow_hashed=False)["success"]  # email_md5 by name, towards the wrong destination


def test_every_export_is_scanned(sehat_home):
    """A personalisation export (not only segments) carrying e-mails in a free-text column is refused."""
    recs = get_segment("customer_top10")
    rows = [("c1", "1", "U1", "1", "product", "P1", "x", "0.5", "ask budi@mail.example", "2026-11-04")]
    write_snapshot(sehat_home, {"customer_top10": rows})
    with pytest.raises(GateFailed) as err:
        ex.validate_export(recs.name, "2026-11-04", "r1", sehat_home)
    assert failed(err) == {"expect_no_pii"}
