"""Production database: table contracts, row accumulation and the writers (SQLite or PostgreSQL).

Rows are collected column-wise in Python lists while the days are simulated,
turned into Arrow tables once, and bulk-inserted through DuckDB's bundled
``sqlite_scanner`` / ``postgres_scanner`` (measured ~500k rows/s either way).
Timestamps are epoch seconds while collected, ``TIMESTAMP`` (UTC) when written.

SQLite tables are created with ``sqlite3`` so the declared column types are
``TIMESTAMP``/``DATE`` (DuckDB's own DDL through the scanner would declare
them ``VARCHAR``); PostgreSQL tables are created through DuckDB, which keeps
the primary keys.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from sehat.generate.clinical import LAB_TESTS, MEDICINES
from sehat.generate.config import GenerateConfig, rng
from sehat.generate.world import CITIES, World
from sehat.warehouse import attach_source

# table -> ((column, DuckDB type), ...); the first column is the primary key.
# Every table ends with created_at, updated_at.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "users": (("user_id", "BIGINT"), ("identity", "VARCHAR"), ("name", "VARCHAR"), ("email", "VARCHAR"),
              ("phone", "VARCHAR"), ("gender", "VARCHAR"), ("birth_date", "DATE"), ("city", "VARCHAR"),
              ("signup_at", "TIMESTAMP")),
    "doctors": (("doctor_id", "BIGINT"), ("name", "VARCHAR"), ("speciality", "VARCHAR"), ("gender", "VARCHAR"),
                ("birth_date", "DATE"), ("city", "VARCHAR"), ("joined_at", "TIMESTAMP")),
    "consultations": (("consultation_id", "BIGINT"), ("user_id", "BIGINT"), ("doctor_id", "BIGINT"),
                      ("speciality", "VARCHAR"), ("started_at", "TIMESTAMP"), ("ended_at", "TIMESTAMP"),
                      ("status", "VARCHAR"), ("fee", "BIGINT")),
    "chat_messages": (("message_id", "BIGINT"), ("consultation_id", "BIGINT"), ("sender_role", "VARCHAR"),
                      ("sent_at", "TIMESTAMP"), ("body", "VARCHAR")),
    "prescriptions": (("prescription_id", "BIGINT"), ("consultation_id", "BIGINT"), ("doctor_id", "BIGINT"),
                      ("user_id", "BIGINT"), ("prescribed_at", "TIMESTAMP"), ("complaints", "VARCHAR"),
                      ("diagnoses", "VARCHAR"), ("medicines", "VARCHAR"), ("lab_tests", "VARCHAR"),
                      ("advice", "VARCHAR"), ("notes", "VARCHAR")),
    "medicines": (("medicine_id", "BIGINT"), ("name", "VARCHAR"), ("brand", "VARCHAR"), ("molecules", "VARCHAR"),
                  ("composition", "VARCHAR"), ("strength", "VARCHAR"), ("form", "VARCHAR"), ("pack", "VARCHAR"),
                  ("manufacturer", "VARCHAR"),
                  ("price", "BIGINT")),
    "products": (("product_id", "BIGINT"), ("sku", "VARCHAR"), ("name", "VARCHAR"), ("category", "VARCHAR"),
                 ("price", "BIGINT"), ("medicine_id", "BIGINT")),
    "orders": (("order_id", "BIGINT"), ("user_id", "BIGINT"), ("status", "VARCHAR"), ("ordered_at", "TIMESTAMP"),
               ("total_amount", "BIGINT"), ("channel", "VARCHAR")),
    "order_items": (("order_item_id", "BIGINT"), ("order_id", "BIGINT"), ("product_id", "BIGINT"),
                    ("quantity", "BIGINT"), ("unit_price", "BIGINT")),
    "lab_tests": (("lab_test_id", "BIGINT"), ("name", "VARCHAR"), ("category", "VARCHAR"), ("price", "BIGINT")),
    "lab_bookings": (("booking_id", "BIGINT"), ("user_id", "BIGINT"), ("lab_test_id", "BIGINT"),
                     ("booked_at", "TIMESTAMP"), ("status", "VARCHAR")),
    "appointments": (("appointment_id", "BIGINT"), ("user_id", "BIGINT"), ("hospital", "VARCHAR"),
                     ("speciality", "VARCHAR"), ("scheduled_at", "TIMESTAMP"), ("status", "VARCHAR")),
    "ratings": (("rating_id", "BIGINT"), ("consultation_id", "BIGINT"), ("user_id", "BIGINT"),
                ("doctor_id", "BIGINT"), ("stars", "BIGINT"), ("comment", "VARCHAR")),
}
AUDIT_COLUMNS = (("created_at", "TIMESTAMP"), ("updated_at", "TIMESTAMP"))
_ARROW = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("s"), "DATE": pa.date32()}
_SQLITE = {"BIGINT": "BIGINT", "VARCHAR": "TEXT", "TIMESTAMP": "TIMESTAMP", "DATE": "DATE"}


def columns(table: str) -> tuple[tuple[str, str], ...]:
    """All columns of a production table, audit columns included."""
    return TABLES[table] + AUDIT_COLUMNS


class Rows:
    """Column-wise row buffers for every production table (timestamps as epoch seconds)."""

    def __init__(self) -> None:
        self._cols: dict[str, list[list]] = {t: [[] for _ in columns(t)] for t in TABLES}

    def add(self, table: str, *values) -> None:
        """Append one row, values in ``columns(table)`` order."""
        for buffer, value in zip(self._cols[table], values, strict=True):
            buffer.append(value)

    def extend(self, table: str, column_values: Iterable[Iterable]) -> None:
        """Append many rows given column-wise (same order as ``columns(table)``)."""
        for buffer, values in zip(self._cols[table], column_values, strict=True):
            buffer.extend(values)

    def count(self, table: str) -> int:
        return len(self._cols[table][0])

    def arrow(self, table: str) -> pa.Table:
        arrays = []
        for (name, kind), values in zip(columns(table), self._cols[table]):
            if kind == "TIMESTAMP":
                arrays.append(pa.array(values, pa.int64()).cast(pa.timestamp("s")))
            elif kind == "DATE":
                arrays.append(pa.array(values, pa.int32()).cast(pa.date32()))
            else:
                arrays.append(pa.array(values, _ARROW[kind]))
        return pa.table(arrays, names=[c for c, _ in columns(table)])


def write(tables: dict[str, pa.Table], url: str, schema: str = "public") -> None:
    """Replace every production table at ``url`` with ``tables`` (from :meth:`Rows.arrow`)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_sqlite(path)
        target = "prod"
    else:
        target = f"prod.{schema}"
    con = duckdb.connect()
    try:
        attach_source(con, url, alias="prod", read_only=False)
        if not url.startswith("sqlite:///"):
            con.execute(f'CREATE SCHEMA IF NOT EXISTS prod."{schema}"')
            for table in TABLES:
                con.execute(f'DROP TABLE IF EXISTS {target}."{table}"')
                cols = ", ".join(f'"{c}" {t}' for c, t in columns(table))
                con.execute(f'CREATE TABLE {target}."{table}" ({cols}, PRIMARY KEY ("{columns(table)[0][0]}"))')
        for table in TABLES:
            con.register("data", tables[table])
            con.execute(f'INSERT INTO {target}."{table}" SELECT * FROM data')
            con.unregister("data")
        con.execute("DETACH prod")
    finally:
        con.close()


def _create_sqlite(path: Path) -> None:
    """A fresh SQLite file (the generator owns it) holding the empty tables."""
    for stale in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        stale.unlink(missing_ok=True)
    ddl = []
    for table in TABLES:
        cols = ", ".join(f'"{c}" {_SQLITE[t]}' + (" PRIMARY KEY" if i == 0 else "")
                         for i, (c, t) in enumerate(columns(table)))
        ddl.append(f'CREATE TABLE "{table}" ({cols});')
    db = sqlite3.connect(path)
    try:
        db.executescript("BEGIN;\n" + "\n".join(ddl) + "\nCOMMIT;")
    finally:
        db.close()


def add_reference_rows(rows: Rows, cfg: GenerateConfig, world: World) -> None:
    """Users, doctors and the catalogues (medicines, products, lab tests) in their end-of-period state."""
    r = rng(cfg.seed, "reference-rows")
    start, end = cfg.start_epoch, cfg.end_epoch
    c, docs, cat = world.customers, world.doctors, world.catalogue
    n = len(c)
    changed = c.phone_changed_at < end
    moved = r.random(n) < 0.05  # profile edit: moved to another city during the period
    move_at = np.maximum(c.signup_at, start) + (r.random(n) * (end - np.maximum(c.signup_at, start))).astype(np.int64)
    city = np.where(moved, r.choice(CITIES, n), c.city)
    updated = np.maximum(c.signup_at, np.where(moved, move_at, 0))
    updated = np.maximum(updated, np.where(changed, c.phone_changed_at, 0))
    rows.extend("users", (c.user_id.tolist(), c.identity.tolist(), c.name.tolist(), c.email.tolist(),
                          np.where(changed, c.new_phone, c.phone).tolist(), c.gender.tolist(),
                          c.birth_date.astype(np.int64).tolist(), city.tolist(), c.signup_at.tolist(),
                          c.signup_at.tolist(), updated.tolist()))

    m = len(docs)
    doc_updated = np.where(r.random(m) < 0.1, np.maximum(docs.joined_at, start) + r.integers(0, end - start, m),
                           docs.joined_at)
    doc_updated = np.clip(doc_updated, docs.joined_at, end - 1)
    rows.extend("doctors", (docs.doctor_id.tolist(), docs.name.tolist(), docs.speciality.tolist(), docs.gender.tolist(),
                            docs.birth_date.astype(np.int64).tolist(), docs.city.tolist(), docs.joined_at.tolist(),
                            docs.joined_at.tolist(), doc_updated.tolist()))

    for i, med in enumerate(MEDICINES):
        created = start - int(r.integers(100, 800)) * 86_400
        revised = r.random() < 0.15  # list price revision during the period
        price = int(round(med.price * r.uniform(1.05, 1.15), -2)) if revised else med.price
        rows.add("medicines", i + 1, med.name, med.brand, json.dumps(list(med.molecules)), med.composition,
                 med.strength, med.form,
                 med.pack, med.manufacturer, price, created, int(r.integers(start, end)) if revised else created)
    for i, name in enumerate(cat.product_name):
        created = start - int(r.integers(30, 700)) * 86_400
        medicine = int(cat.product_medicine[i])
        rows.add("products", i + 1, f"SKU-{i + 1:06d}", name, cat.product_category[i], int(cat.product_price[i]),
                 medicine + 1 if medicine >= 0 else None, created, created)
    for i, (name, category, price) in enumerate(LAB_TESTS):
        created = start - int(r.integers(200, 900)) * 86_400
        rows.add("lab_tests", i + 1, name, category, price, created, created)
