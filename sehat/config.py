"""Where things live. One place for every path and connection setting.

Everything hangs off ``SEHAT_HOME`` (default: ``<repo>/.sehat``) so a fresh
checkout works with no configuration, and every setting can be overridden by
an environment variable so the same code runs in Airflow, in tests and in
docker-compose.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# The manifest sehat_dbt_models (Cosmos) renders from; sehat.transform.dbt.ensure_manifest writes it.
# It depends only on the project's files (not on SEHAT_HOME or the data), so it lives with the
# project, apart from dbt_project/target/, which every `dbt build` rewrites.
COSMOS_MANIFEST = DBT_PROJECT_DIR / "target" / "cosmos" / "manifest.json"


@dataclass(frozen=True)
class Settings:
    home: Path
    data_dir: Path  # generated / landed source files (CleverTap exports, API pages, production DB)
    warehouse_path: Path  # the single-writer DuckDB file
    reader_path: Path  # read-only snapshot for analysts, checks and the API
    publish_dir: Path  # published segments and artifacts
    production_url: str  # sqlite:///path or postgresql://...
    # CleverTap account settings (docs/design.md, "CleverTap raw contract"):
    clevertap_timezone: str = "UTC"  # the account's time zone: CleverTap writes `ts` in it
    clevertap_platform_start: date = date(2013, 1, 1)  # events before it are quarantined (ts_out_of_range)
    # events later than export day + 1 + this many days: ts_out_of_range (docs/design.md, "How late an event may be")
    clevertap_future_days: int = 2
    clevertap_allow_shrink: bool = False  # let a rerun load fewer files for a day than its last load
    # The transform engine (docs/spark.md): "duckdb" (default) or "spark" (dbt-spark on a local or
    # remote Spark, reading the Parquet lake under lake_dir; the [spark] extra).
    engine: str = "duckdb"
    lake_dir: Path | None = None  # the Parquet lake; None means <home>/lake
    spark_master: str = "local[2]"  # SEHAT_SPARK_MASTER: local[N] here, a cluster URL elsewhere
    spark_driver_memory: str = "4g"  # SEHAT_SPARK_DRIVER_MEMORY: the JVM heap of the local driver

    @property
    def lake(self) -> Path:
        """The Parquet lake both engines read: ``<lake>/<schema>/<table>/[export_date=YYYY-MM-DD/]``."""
        return self.lake_dir or self.home / "lake"

    @property
    def spark_dir(self) -> Path:
        """The local Spark engine's files: ``warehouse/`` (tables dbt builds) and ``metastore/``."""
        return self.home / "spark"

    @property
    def clevertap_export_dir(self) -> Path:
        return self.data_dir / "clevertap" / "export"

    @property
    def clevertap_api_dir(self) -> Path:
        return self.data_dir / "clevertap" / "api"

    @property
    def truth_dir(self) -> Path:
        return self.data_dir / "truth"


def settings() -> Settings:
    """Read settings from the environment (cheap; call it where you need it)."""
    home = Path(os.environ.get("SEHAT_HOME", REPO_ROOT / ".sehat")).resolve()
    data_dir = Path(os.environ.get("SEHAT_DATA_DIR", home / "data"))
    warehouse = Path(os.environ.get("SEHAT_WAREHOUSE", home / "warehouse" / "sehat.duckdb"))
    reader = Path(os.environ.get("SEHAT_READER", warehouse.parent / "sehat_read.duckdb"))
    publish = Path(os.environ.get("SEHAT_PUBLISH_DIR", home / "published"))
    production = os.environ.get(
        "SEHAT_PRODUCTION_URL", f"sqlite:///{data_dir / 'production' / 'production.sqlite'}"
    )
    return Settings(
        home, data_dir, warehouse, reader, publish, production,
        clevertap_timezone=os.environ.get("SEHAT_CLEVERTAP_TIMEZONE", "UTC"),
        clevertap_platform_start=date.fromisoformat(os.environ.get("SEHAT_CLEVERTAP_PLATFORM_START", "2013-01-01")),
        clevertap_future_days=int(os.environ.get("SEHAT_CLEVERTAP_FUTURE_DAYS", "2")),
        clevertap_allow_shrink=os.environ.get("SEHAT_CLEVERTAP_ALLOW_SHRINK", "").lower() in ("1", "true", "yes"),
        engine=engine(),
        lake_dir=Path(os.environ["SEHAT_LAKE"]) if os.environ.get("SEHAT_LAKE") else None,
        spark_master=os.environ.get("SEHAT_SPARK_MASTER", "local[2]"),
        spark_driver_memory=os.environ.get("SEHAT_SPARK_DRIVER_MEMORY", "4g"),
    )


ENGINES = ("duckdb", "spark")


def engine() -> str:
    """``SEHAT_ENGINE``: which engine builds the dbt project (``duckdb`` unless set)."""
    name = os.environ.get("SEHAT_ENGINE", "duckdb").strip().lower() or "duckdb"
    if name not in ENGINES:
        from sehat.errors import SehatError

        raise SehatError(f"SEHAT_ENGINE={name!r} is not an engine: use one of {', '.join(ENGINES)}")
    return name


def home_environ(home: Path, base: Mapping[str, str] | None = None, **env: object) -> dict[str, str]:
    """``base`` (default: this process's environment) with every ``SEHAT_*`` variable dropped, then
    ``SEHAT_HOME=home`` and ``env`` (e.g. ``SEHAT_DATA_DIR``, ``SEHAT_ENGINE``): the environment of a
    child process whose every Sehat path lives under ``home``."""
    base = os.environ if base is None else base
    return {k: v for k, v in base.items() if not k.startswith("SEHAT_")} | {
        "SEHAT_HOME": str(home), **{k: str(v) for k, v in env.items()}}


@contextmanager
def sehat_home(home: Path, **env: object) -> Iterator[Settings]:
    """Inside the block every Sehat path lives under ``home``: every ``SEHAT_*`` variable of the caller
    is cleared (paths, engine, lake, CleverTap and Spark settings alike), ``SEHAT_HOME`` is ``home`` and
    ``env`` adds variables (:func:`home_environ`). Yields the settings of that home; the caller's
    ``SEHAT_*`` variables are restored afterwards, whatever the block changed."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("SEHAT_")}
    _replace_sehat_variables(home_environ(home, {}, **env))
    try:
        yield settings()
    finally:
        _replace_sehat_variables(saved)


def _replace_sehat_variables(variables: Mapping[str, str]) -> None:
    for name in [k for k in os.environ if k.startswith("SEHAT_")]:
        del os.environ[name]
    os.environ.update(variables)
