"""``sehat bench``: one command group for every benchmark, registered by the top command line."""

from __future__ import annotations

from typer.testing import CliRunner

from sehat.cli import app


def test_every_benchmark_is_a_bench_command():
    result = CliRunner().invoke(app, ["bench", "--help"])
    assert result.exit_code == 0, result.output
    for name in ("scale", "incremental", "extraction", "ingest", "dag-parse", "all", "prescriptions", "sape",
                 "personalisation", "pii-gate", "overhead", "suite", "report"):
        assert name in result.output


def test_model_command_groups_no_longer_hold_benchmarks():
    runner = CliRunner()
    for group in ("prescriptions", "sape", "personalisation"):
        result = runner.invoke(app, [group, "bench", "--help"])
        assert result.exit_code != 0, f"sehat {group} bench still exists"


def test_sape_evaluate_without_files_reads_the_sample_labels(tmp_path, monkeypatch):
    """No generated corpus inside ``ml``: without files, evaluate reads ``$SEHAT_DATA_DIR/labels``."""
    from sehat.bench.sape import generated_corpus_files

    monkeypatch.setenv("SEHAT_HOME", str(tmp_path))
    for var in ("SEHAT_DATA_DIR", "SEHAT_WAREHOUSE", "SEHAT_READER"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    missing = runner.invoke(app, ["sape", "evaluate", "--out", str(tmp_path / "report")])
    assert missing.exit_code != 0 and "generate a sample first" in missing.output

    generated_corpus_files(tmp_path / "data", consultations=300)
    result = runner.invoke(app, ["sape", "evaluate", "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report" / "report.json").exists()
