"""Fixtures of the DAG tests: a fresh SEHAT_HOME and the Airflow environment of a test deployment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sehat.config import Settings, home_environ, sehat_home
from sehat.orchestrate import airflow_env


@pytest.fixture
def home(tmp_path):
    """Settings on a fresh SEHAT_HOME (no SEHAT_* variable of the caller leaks in)."""
    with sehat_home(tmp_path / "home") as cfg:
        yield cfg


def settings_for(home: Path) -> Settings:
    """Settings of a SEHAT_HOME, whatever SEHAT_* variables the caller has (for module fixtures)."""
    with sehat_home(home) as cfg:
        return cfg


def test_env(cfg: Settings, retries: int | None = 0, db_url: str | None = None) -> dict[str, str]:
    """``airflow_env`` for ``cfg`` with no SEHAT_*/AIRFLOW* variable of the caller (retries 0 by
    default; None keeps the DAGs' own; ``db_url``: the metadata database, default SQLite)."""
    clean = home_environ(cfg.home, {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")})
    return airflow_env(cfg, retries=retries, db_url=db_url, base_env=clean)


test_env.__test__ = False  # a helper, not a test
