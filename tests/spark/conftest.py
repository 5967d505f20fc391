"""Spark fixtures: one local SparkSession per test session (127.0.0.1, UI off), skipped without
the [spark] extra or a Java runtime; tests using them are marked ``spark``."""

from __future__ import annotations

import importlib
import os
import shutil
from dataclasses import replace

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:  # a test that starts Spark (a JVM, ~10 s) is marked: make test-fast leaves it out
        if {"spark", "require_spark"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.spark)


def _require_spark() -> None:
    """Skip without the [spark] extra or Java; under CI (``make test`` installs the extra) fail instead."""
    missing = []
    for module in ("pyspark", "dbt.adapters.spark"):
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    problem = (f"the [spark] extra is not installed ({', '.join(missing)}): make setup-spark" if missing
               else None if shutil.which("java") or os.environ.get("JAVA_HOME")
               else "Spark needs a Java 17 runtime (java on PATH or JAVA_HOME)")
    if problem:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(problem)


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """The test session's SparkSession (its metastore and warehouse in a temporary directory)."""
    _require_spark()
    from sehat.config import settings
    from sehat.transform.spark import session

    home = tmp_path_factory.mktemp("spark_session")
    cfg = replace(settings(), home=home, spark_master="local[2]", spark_driver_memory="1g")
    spark = session(cfg)
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def require_spark():
    _require_spark()
