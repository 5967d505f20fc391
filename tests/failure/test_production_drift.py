"""Production extraction against hand-made bad sources: a column name with a space, a text value
in an INTEGER column, a table that cannot be extracted and a renamed column. Bad rows go to
quarantine with the table and the reason, one bad table never blocks the others, and drift is a
warning the run shows plus an alert."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date

import pytest

from sehat.ingest.production import ProductionExtractError, extract_day
from sehat.warehouse import writer

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)


def _source(cfg, *statements: str):
    path = cfg.data_dir / "production" / "production.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        for sql in statements:
            db.execute(sql)
    return cfg


def _rows(cfg, sql):
    with writer(cfg) as con:
        return con.execute(sql).fetchall()


def _alerts(cfg) -> list[dict]:
    path = cfg.home / "alerts" / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


USERS = "CREATE TABLE users (user_id INTEGER, phone TEXT, age INTEGER, updated_at TIMESTAMP)"
DOCTORS = ("CREATE TABLE doctors (doctor_id INTEGER, name TEXT, updated_at TIMESTAMP)",
           "INSERT INTO doctors VALUES (7, 'dr a', '2026-11-01 09:00:00')")


def test_a_column_name_with_a_space_is_extracted(sehat_home):
    cfg = _source(sehat_home, USERS, "INSERT INTO users VALUES (1, '0811', 30, '2026-11-01 08:00:00')")
    extract_day(D1, cfg, tables=["users"])
    _source(cfg, 'ALTER TABLE users ADD COLUMN "home city" TEXT',
            "INSERT INTO users VALUES (2, '0812', 40, '2026-11-02 08:00:00', 'Jakarta')")
    (report,) = extract_day(D2, cfg, tables=["users"])
    assert report.detail["columns_added"] == ["home city"]
    assert _rows(cfg, 'SELECT user_id, "home city" FROM raw.prod_users ORDER BY 1') == [(1, None), (2, "Jakarta")]


def test_a_text_value_in_an_integer_column_is_quarantined_and_the_rest_loads(sehat_home):
    cfg = _source(sehat_home, USERS, *DOCTORS,
                  "INSERT INTO users VALUES (1, '0811', 30, '2026-11-01 08:00:00')",
                  "INSERT INTO users VALUES (2, '0812', 'thirty', '2026-11-01 09:00:00')",
                  "INSERT INTO users VALUES (3, '0813', 50, '2026-11-02 09:00:00')")  # tomorrow's change
    users, doctors = extract_day(D1, cfg, tables=["users", "doctors"])
    assert (users.read, users.loaded, users.quarantined) == (2, 1, 1)
    assert (doctors.read, doctors.loaded) == (1, 1)
    assert _rows(cfg, "SELECT user_id, age FROM raw.prod_users") == [(1, 30)]
    (table, reason, record), = _rows(cfg, "SELECT table_name, reason, record FROM raw.production_quarantine")
    assert (table, reason) == ("users", "type_mismatch: age is not BIGINT")
    assert json.loads(record) == {"user_id": "2", "phone": "0812", "age": "thirty", "updated_at": "2026-11-01 09:00:00"}
    (users2,) = extract_day(D2, cfg, tables=["users"])  # the next day is not blocked
    # user 3 loads; user 2 is newer than the watermark and still bad: quarantined again until fixed
    assert (users2.loaded, users2.quarantined) == (1, 1)
    assert _rows(cfg, "SELECT user_id FROM raw.prod_users ORDER BY 1") == [(1,), (3,)]


def test_one_table_that_cannot_be_extracted_does_not_block_the_others(sehat_home):
    cfg = _source(sehat_home, "CREATE TABLE users (user_id INTEGER, phone TEXT)",  # no updated_at
                  "INSERT INTO users VALUES (1, '0811')", *DOCTORS)
    with pytest.raises(ProductionExtractError, match="'users'") as failed:
        extract_day(D1, cfg, tables=["users", "doctors"])
    assert "1 of 2" in str(failed.value)
    assert _rows(cfg, "SELECT doctor_id FROM raw.prod_doctors") == [(7,)]
    assert [a["kind"] for a in _alerts(cfg)] == ["table_failed"]
    assert _alerts(cfg)[0]["source"] == "production.users"


def test_a_renamed_column_is_a_warning_in_the_run_and_an_alert(sehat_home, caplog):
    cfg = _source(sehat_home, USERS, "INSERT INTO users VALUES (1, '0811', 30, '2026-11-01 08:00:00')")
    extract_day(D1, cfg, tables=["users"])
    assert _alerts(cfg) == []
    _source(cfg, "ALTER TABLE users RENAME COLUMN phone TO phone_number",
            "INSERT INTO users VALUES (2, '0812', 40, '2026-11-02 08:00:00')")
    with caplog.at_level(logging.WARNING, logger="sehat.ingest.production"):
        (report,) = extract_day(D2, cfg, tables=["users"])
    (warning,) = report.detail["warnings"]
    assert "['phone']" in warning and "phone_number" in warning
    assert any("phone" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    (alert,) = _alerts(cfg)
    assert (alert["kind"], alert["source"], alert["day"]) == ("schema_drift", "production.users", "2026-11-02")
    logged = _rows(cfg, "SELECT detail->>'$.warnings[0]' FROM raw.load_log WHERE batch_date = DATE '2026-11-02'")
    assert logged == [(warning,)]


def test_a_row_whose_updated_at_moves_backwards_is_extracted(sehat_home):
    cfg = _source(sehat_home, USERS, "INSERT INTO users VALUES (1, '0811', 30, '2026-11-01 08:00:00')",
                  "INSERT INTO users VALUES (2, '0812', 40, '2026-11-01 20:00:00')")
    extract_day(D1, cfg, tables=["users"])
    # a restore (or a clock fixed) moves user 1's updated_at back while changing the row,
    # and a row arrives with an updated_at older than the watermark
    _source(cfg, "UPDATE users SET phone = '0899', updated_at = '2026-11-01 07:00:00' WHERE user_id = 1",
            "INSERT INTO users VALUES (3, '0813', 50, '2026-11-01 06:00:00')")
    (report,) = extract_day(D2, cfg, tables=["users"])
    assert report.detail["reconciled_below_watermark"] == 2
    newest = _rows(cfg, "SELECT user_id, max_by(phone, _extracted_at) FROM raw.prod_users GROUP BY 1 ORDER BY 1")
    assert newest == [(1, "0899"), (2, "0812"), (3, "0813")]
    (again,) = extract_day(D2, cfg, tables=["users"])  # a rerun takes them again, once
    assert again.detail["reconciled_below_watermark"] == 2
    assert _rows(cfg, "SELECT count(*) FROM raw.prod_users WHERE _batch_date = DATE '2026-11-02'") == [(2,)]


def test_a_row_deleted_at_the_source_is_recorded_once(sehat_home):
    cfg = _source(sehat_home, USERS, "INSERT INTO users VALUES (1, '0811', 30, '2026-11-01 08:00:00')",
                  "INSERT INTO users VALUES (2, '0812', 40, '2026-11-01 20:00:00')")
    extract_day(D1, cfg, tables=["users"])
    _source(cfg, "DELETE FROM users WHERE user_id = 2")  # an erasure request
    (report,) = extract_day(D2, cfg, tables=["users"])
    assert report.detail["deleted_at_source"] == 1
    assert _rows(cfg, "SELECT table_name, key, batch_date FROM raw.production_deletions") == [("users", "2", D2)]
    extract_day(D2, cfg, tables=["users"])  # rerun: still one record
    (later,) = extract_day(date(2026, 11, 3), cfg, tables=["users"])
    assert later.detail["deleted_at_source"] == 1  # still gone, not recorded twice
    assert _rows(cfg, "SELECT count(*) FROM raw.production_deletions") == [(1,)]
