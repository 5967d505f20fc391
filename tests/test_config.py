"""``sehat.config.sehat_home``: the one way to point every Sehat setting at one home and back."""

from __future__ import annotations

import os

from sehat.config import home_environ, sehat_home


def test_sehat_home_clears_every_sehat_variable_and_restores_them(tmp_path, monkeypatch):
    monkeypatch.setenv("SEHAT_HOME", "/elsewhere")
    monkeypatch.setenv("SEHAT_WAREHOUSE", "/elsewhere/w.duckdb")
    monkeypatch.setenv("SEHAT_LAKE", "/elsewhere/lake")
    monkeypatch.setenv("SEHAT_ENGINE", "spark")
    monkeypatch.setenv("SEHAT_CLEVERTAP_TIMEZONE", "Asia/Kolkata")
    monkeypatch.delenv("SEHAT_READER", raising=False)
    with sehat_home(tmp_path) as cfg:
        assert cfg.home == tmp_path.resolve()
        assert cfg.warehouse_path.is_relative_to(tmp_path.resolve())
        assert cfg.lake == tmp_path.resolve() / "lake"
        assert (cfg.engine, cfg.clevertap_timezone) == ("duckdb", "UTC")
        assert sorted(k for k in os.environ if k.startswith("SEHAT_")) == ["SEHAT_HOME"]
        os.environ["SEHAT_READER"] = "/set/inside"  # what the block sets leaves with it
    assert os.environ["SEHAT_HOME"] == "/elsewhere"
    assert os.environ["SEHAT_WAREHOUSE"] == "/elsewhere/w.duckdb"
    assert os.environ["SEHAT_LAKE"] == "/elsewhere/lake"
    assert os.environ["SEHAT_ENGINE"] == "spark"
    assert os.environ["SEHAT_CLEVERTAP_TIMEZONE"] == "Asia/Kolkata"
    assert "SEHAT_READER" not in os.environ


def test_sehat_home_takes_extra_variables_and_restores_after_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("SEHAT_ENGINE", raising=False)
    monkeypatch.setenv("SEHAT_DATA_DIR", "/elsewhere/data")
    try:
        with sehat_home(tmp_path / "h", SEHAT_DATA_DIR=tmp_path / "d", SEHAT_ENGINE="spark") as cfg:
            assert (cfg.data_dir, cfg.engine) == (tmp_path / "d", "spark")
            raise KeyError("boom")
    except KeyError:
        pass
    assert "SEHAT_ENGINE" not in os.environ and os.environ["SEHAT_DATA_DIR"] == "/elsewhere/data"


def test_home_environ_is_a_child_environment_with_only_the_given_sehat_variables(tmp_path):
    base = {"PATH": "/bin", "SEHAT_ENGINE": "spark", "SEHAT_WAREHOUSE": "/w.duckdb", "AIRFLOW_HOME": "/a"}
    env = home_environ(tmp_path, base, SEHAT_DATA_DIR=tmp_path / "d")
    assert env == {"PATH": "/bin", "AIRFLOW_HOME": "/a", "SEHAT_HOME": str(tmp_path),
                   "SEHAT_DATA_DIR": str(tmp_path / "d")}
    assert base["SEHAT_ENGINE"] == "spark"  # the base is not changed
