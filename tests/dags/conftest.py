"""Fixtures of the DAG tests: a fresh SEHAT_HOME and the Airflow environment of a test deployment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sehat.config import Settings, settings
from sehat.orchestrate import airflow_env


@pytest.fixture
def home(tmp_path):
    """Settings on a fresh SEHAT_HOME (no SEHAT_* variable of the caller leaks in)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in [k for k in os.environ if k.startswith("SEHAT_")]:
            mp.delenv(name)
        mp.setenv("SEHAT_HOME", str(tmp_path / "home"))
        yield settings()


def settings_for(home: Path) -> Settings:
    """Settings of a SEHAT_HOME, whatever SEHAT_* variables the caller has (for module fixtures)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in [k for k in os.environ if k.startswith("SEHAT_")]:
            mp.delenv(name)
        mp.setenv("SEHAT_HOME", str(home))
        return settings()


def test_env(cfg: Settings, retries: int | None = 0, db_url: str | None = None) -> dict[str, str]:
    """``airflow_env`` for ``cfg`` with no SEHAT_*/AIRFLOW* variable of the caller (retries 0 by
    default; None keeps the DAGs' own; ``db_url``: the metadata database, default SQLite)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SEHAT_", "AIRFLOW"))}
    return airflow_env(cfg, retries=retries, db_url=db_url, base_env=clean | {"SEHAT_HOME": str(cfg.home)})


test_env.__test__ = False  # a helper, not a test
