"""Expected errors print one line (``error: ...``), exit non-zero and show no traceback;
``sehat --debug`` shows the traceback. Each command below printed a 13-63 line traceback before.
"""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from typer.testing import CliRunner

from sehat.cli import app

runner = CliRunner()


@pytest.fixture
def snapshot(sehat_home):
    """A tiny analysts' snapshot with a marts.dim_customers table."""
    sehat_home.reader_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(sehat_home.reader_path))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.dim_customers AS SELECT 1 AS customer_id")
    con.close()
    return sehat_home


def _one_line_error(args: list[str]):
    result = runner.invoke(app, args)
    output = result.output.strip()
    assert result.exit_code != 0, output
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    # progress lines (a spinner) may precede it; the error itself is the last, single line
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and output.splitlines()[-1] == errors[0], output
    assert 'File "' not in output, output
    return errors[0]


def test_status_before_any_run(sehat_home):
    line = _one_line_error(["status"])
    assert "sehat run" in line  # says what to do


def test_sql_syntax_error(snapshot):
    assert "syntax error" in _one_line_error(["sql", "SELEC 1"]).lower()


def test_sql_refused_write(snapshot):
    line = _one_line_error(["sql", "DROP TABLE marts.dim_customers"])
    assert "read" in line.lower()


def test_prescriptions_train_missing_file(sehat_home):
    line = _one_line_error(["prescriptions", "train", "/nonexistent.parquet"])
    assert "/nonexistent.parquet" in line


def test_generate_negative_customers(sehat_home):
    assert "--customers" in _one_line_error(["generate", "--customers", "-5"])


def test_run_start_after_end(sehat_home):
    line = _one_line_error(
        ["run", "--start", "2026-11-03", "--end", "2026-11-01", "--mode", "inprocess"]
    )
    assert "--start" in line


def test_backfill_bad_date(sehat_home):
    line = _one_line_error(
        ["airflow", "backfill", "--start", "2026/11/02", "--end", "2026-11-03"]
    )
    assert "2026/11/02" in line and "YYYY-MM-DD" in line


def test_another_writer_is_named(sehat_home, tmp_path):
    """A DuckDB lock conflict reads "another writer is running (pid N)", not DuckDB's message."""
    from sehat.cli_errors import user_error

    path = tmp_path / "w.duckdb"
    code = f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True)"
    holder = subprocess.Popen(
        [sys.executable, "-c", code + "; time.sleep(60)"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException) as caught:
            duckdb.connect(str(path))
        message = user_error(caught.value)
        assert f"another writer is running (pid {holder.pid})" in message
        assert "Could not set lock" not in message
    finally:
        holder.kill()
        holder.wait()


def test_debug_shows_the_traceback(sehat_home):
    result = runner.invoke(app, ["--debug", "status"])
    assert result.exit_code != 0
    assert isinstance(result.exception, FileNotFoundError)  # re-raised, not turned into a line


def test_a_bug_keeps_its_traceback(sehat_home, monkeypatch):
    """Only expected errors are shortened: an unexpected exception still propagates."""
    import sehat.cli

    def broken(*_a, **_k):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(sehat.cli, "_print_summary", broken)
    result = runner.invoke(app, ["status"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_status_suggests_commands_that_exist(snapshot):
    from sehat.warehouse import restricted_path

    con = duckdb.connect(str(restricted_path(snapshot)))  # status counts every layer: the restricted copy
    con.execute(
        "CREATE SCHEMA marts; CREATE TABLE marts.dim_customers AS SELECT 1 AS customer_id;"
        " CREATE SCHEMA raw; CREATE TABLE raw.load_log (source VARCHAR, batch_date DATE, read BIGINT,"
        " loaded BIGINT, quarantined BIGINT, seconds DOUBLE, detail JSON)"
    )
    con.close()
    result = runner.invoke(app, ["status"], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "duckdb -readonly" not in result.output  # no DuckDB CLI is installed
    assert "sehat sql" in result.output and "import duckdb" in result.output
