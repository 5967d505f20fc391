"""The Spark engine's settings, in one place for dbt's ``spark`` target and for Python sessions.

dbt-spark's ``method: session`` starts the pyspark driver inside the dbt process with the
profile's ``server_side_parameters``; dbt_project/profiles.yml reads them from the environment
:func:`dbt_env` returns, and :func:`session` builds a SparkSession from the same
:func:`conf` (tests, the engines benchmark). Locally that is ``local[2]`` bound to 127.0.0.1 with
the UI off, a Derby metastore and a warehouse directory under ``<home>/spark`` (one JVM at a
time: Derby is single-process, which is what replaces DuckDB's single-writer pool on this path;
a cluster's Hive metastore or Unity Catalog lifts it). Nothing is downloaded: only the jars the
pyspark wheel ships (Hive and Derby included).
"""

from __future__ import annotations

import importlib.util
import shlex
from collections.abc import Iterable
from pathlib import Path

from sehat.config import Settings, settings


def conf(cfg: Settings | None = None) -> dict[str, str]:
    """Spark configuration of the local engine (also the dbt profile's server-side parameters)."""
    cfg = cfg or settings()
    base = cfg.spark_dir
    return {
        "spark.master": cfg.spark_master,
        "spark.app.name": "sehat",
        "spark.driver.memory": cfg.spark_driver_memory,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.log.structuredLogging.enabled": "false",
        "spark.log.level": "ERROR",
        "spark.sql.warehouse.dir": str(base / "warehouse"),
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={base / 'metastore'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={base}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.default": "parquet",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        # DuckDB writes TIMESTAMP as wall clock (isAdjustedToUTC=false): read it as TIMESTAMP (UTC
        # session), not TIMESTAMP_NTZ, and write instants DuckDB reads back as microseconds.
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.adaptive.enabled": "true",
    }


def dbt_env(cfg: Settings | None = None, *, sources: Iterable[str]) -> dict[str, str]:
    """Environment for ``dbt --target spark``: the lake path, the ``sources`` it holds
    (:func:`sehat.transform.lake.synced_sources`) and :func:`conf` as spark-submit flags.

    pyspark starts its JVM with ``PYSPARK_SUBMIT_ARGS``, so the profile stays short and the
    configuration has this one home.
    """
    cfg = cfg or settings()
    (cfg.spark_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    flags = [f"--conf {shlex.quote(f'{key}={value}')}" for key, value in conf(cfg).items()]
    return {
        "SEHAT_LAKE": str(cfg.lake),
        "SEHAT_LAKE_SOURCES": ",".join(sources),
        "PYSPARK_SUBMIT_ARGS": " ".join([*flags, "pyspark-shell"]),
    }


def table_location(cfg: Settings, schema: str, table: str) -> Path:
    """Where the local engine keeps the files of the managed table ``schema.table``."""
    return cfg.spark_dir / "warehouse" / f"{schema}.db" / table


def require_pyspark() -> None:
    """Fail in one line when the ``[spark]`` extra (pyspark, dbt-spark) is not installed."""
    from sehat.errors import SehatError

    missing = [name for name in ("pyspark", "dbt.adapters.spark") if not _importable(name)]
    if missing:
        raise SehatError(
            f"the Spark engine needs the [spark] extra ({', '.join(missing)} not installed): "
            "make setup-spark (or pip install -e '.[spark]')"
        )


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def session(cfg: Settings | None = None):
    """A SparkSession with :func:`conf` (pyspark from the ``[spark]`` extra)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in conf(cfg).items():
        builder = builder.config(key, value)
    return builder.enableHiveSupport().getOrCreate()
