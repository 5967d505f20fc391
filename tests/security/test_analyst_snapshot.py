"""The analysts' door: the analysts' snapshot holds no raw phone or e-mail, and an analyst
connection (``sehat.warehouse.reader``, ``sehat sql``) reads no file and writes none."""

from __future__ import annotations

import duckdb
import pytest

from sehat.warehouse import (
    ANALYST_SCHEMAS,
    reader,
    refresh_reader,
    restricted_path,
    restricted_reader,
    writer,
)
from tests.security.test_secrets_and_exposure import EMAIL, PHONE

PHONES = ["+6281234567890", "081298765432"]
EMAILS = ["siti@example.com", "budi.santoso@mail.example"]


def _pii_leaks(path) -> tuple[set[str], list[str]]:
    """(schemas, leaks): every column of every table and view of ``path``, scanned as text."""
    leaks: list[str] = []
    with duckdb.connect(str(path), read_only=True) as con:
        relations = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL"
            " SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        for schema, name in relations:
            for (column,) in con.execute(f'SELECT column_name FROM (DESCRIBE "{schema}"."{name}")').fetchall():
                values = con.execute(f'SELECT DISTINCT "{column}"::VARCHAR FROM "{schema}"."{name}"'
                                     f' WHERE "{column}" IS NOT NULL').fetchall()
                for (value,) in values:
                    if PHONE.search(value) or EMAIL.search(value):
                        leaks.append(f"{schema}.{name}.{column}: {value}")
    return {s for s, _ in relations}, leaks


@pytest.fixture
def warehouse(sehat_home):
    """A tiny warehouse with PII in every layer a real build puts it in, refreshed."""
    with writer(sehat_home) as con:
        con.execute("""
            CREATE SCHEMA raw; CREATE SCHEMA staging; CREATE SCHEMA intermediate; CREATE SCHEMA restricted;
            CREATE SCHEMA marts; CREATE SCHEMA snapshots; CREATE SCHEMA ml;
            CREATE TABLE raw.prod_users (user_id INTEGER, phone VARCHAR, email VARCHAR);
            CREATE TABLE raw.clevertap_quarantine (raw_line VARCHAR);
        """)
        con.executemany("INSERT INTO raw.prod_users VALUES (?, ?, ?)",
                        [(1, PHONES[0], EMAILS[0]), (2, PHONES[1], EMAILS[1])])
        con.execute("INSERT INTO raw.clevertap_quarantine VALUES (?)", [f'{{"phone": "{PHONES[0]}"}}'])
        con.execute("""
            CREATE VIEW staging.stg_production__users AS SELECT * FROM raw.prod_users;
            CREATE VIEW intermediate.int_identities AS SELECT user_id, phone AS identity FROM raw.prod_users;
            CREATE TABLE restricted.dim_customer_pii AS SELECT 'c' || user_id AS customer_key, phone, email FROM raw.prod_users;
            CREATE TABLE marts.dim_customers AS SELECT 'c' || user_id AS customer_key, md5(phone) AS phone_md5 FROM raw.prod_users;
            CREATE VIEW marts.v_customers AS SELECT customer_key FROM marts.dim_customers;
            CREATE TABLE snapshots.customer_profiles_snapshot AS SELECT * FROM marts.dim_customers;
            CREATE TABLE ml.customer_cohorts AS SELECT customer_key, 1 AS cohort FROM marts.dim_customers;
        """)  # noqa: E501 (SQL fixture text: wrapping would change it)
    refresh_reader(sehat_home)
    return sehat_home


def test_the_analysts_snapshot_holds_only_analyst_schemas_and_no_phone_or_email(warehouse):
    schemas, leaks = _pii_leaks(warehouse.reader_path)
    assert schemas == set(ANALYST_SCHEMAS)
    assert leaks == []
    with reader(warehouse) as con:  # the materialised view and the marts are there
        assert con.execute("SELECT count(*) FROM marts.v_customers").fetchone()[0] == 2
    # the restricted snapshot keeps everything, PII included; the scanner finds it there
    schemas, leaks = _pii_leaks(restricted_path(warehouse))
    assert {"raw", "staging", "intermediate", "restricted"} <= schemas
    assert any(leak.startswith("restricted.dim_customer_pii.phone") for leak in leaks)
    with restricted_reader(warehouse) as con:
        assert con.execute("SELECT count(*) FROM restricted.dim_customer_pii").fetchone()[0] == 2


@pytest.mark.parametrize("attack", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "COPY (SELECT * FROM marts.dim_customers) TO '{out}'",
    "ATTACH '{restricted}' AS r (READ_ONLY)",
    "SET enable_external_access = true",
    "RESET lock_configuration",
])
def test_an_analyst_connection_reads_and_writes_no_file(warehouse, tmp_path, attack):
    out = tmp_path / "stolen.csv"
    sql = attack.format(out=out, restricted=restricted_path(warehouse))
    with reader(warehouse) as con, pytest.raises(duckdb.Error):
        con.execute(sql)
    assert not out.exists()


def test_sehat_sql_refuses_the_file_attacks(warehouse, tmp_path):
    from typer.testing import CliRunner

    from sehat.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM marts.dim_customers"])
    assert ok.exit_code == 0, ok.output
    out = tmp_path / "stolen.csv"
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", f"COPY (SELECT * FROM marts.dim_customers) TO '{out}'"):
        result = runner.invoke(app, ["sql", sql])
        assert result.exit_code != 0, (sql, result.output)
        assert "root:" not in result.output
    assert not out.exists()


@pytest.mark.e2e
def test_the_reference_warehouse_shows_analysts_no_phone_or_email(reference):
    """The whole project built on generated data: no mart, snapshot or model output leaks PII."""
    cfg = reference["cfg"]
    schemas, leaks = _pii_leaks(cfg.reader_path)
    assert "marts" in schemas and schemas <= set(ANALYST_SCHEMAS)
    assert leaks == [], leaks[:10]
    _, restricted_leaks = _pii_leaks(restricted_path(cfg))
    assert restricted_leaks  # the scan does see the generated phones and e-mails where they are
