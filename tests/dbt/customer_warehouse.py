"""One small generated warehouse for the customer-view, segment and personalisation tests.

Built once per test session by the session fixture ``customer_warehouse``
(tests/conftest.py): the generator for ``CUSTOMERS`` x ``DAYS``, the real ingest, the
dbt project, the snapshots, and the personalisation models. Tests that use it are marked
``e2e`` automatically (left out of ``make test-fast``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

CUSTOMERS = 4000
DAYS = 21
START = date(2026, 11, 1)
AS_OF = START + timedelta(days=DAYS - 1)


@dataclass
class CustomerWarehouse:
    home: Path
    personalisation: dict

    def settings(self):
        from sehat.config import Settings

        return Settings(home=self.home, data_dir=self.home / "data",
                        warehouse_path=self.home / "warehouse" / "sehat.duckdb",
                        reader_path=self.home / "warehouse" / "sehat_read.duckdb",
                        publish_dir=self.home / "published",
                        production_url=f"sqlite:///{self.home / 'data' / 'production' / 'production.sqlite'}")

    def query(self, sql: str, params=None):
        """Run ``sql`` on the restricted snapshot (every layer: the tests look at staging too)."""
        import duckdb

        from sehat.warehouse import restricted_path

        with duckdb.connect(str(restricted_path(self.settings())), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def df(self, sql: str):
        import duckdb

        from sehat.warehouse import restricted_path

        with duckdb.connect(str(restricted_path(self.settings())), read_only=True) as con:
            return con.execute(sql).df()


def build_customer_warehouse(home: Path) -> CustomerWarehouse:
    """Build the warehouse under ``home`` (the session fixture ``customer_warehouse`` in
    tests/conftest.py calls this once per test session)."""
    import json

    from sehat.config import sehat_home

    with sehat_home(home):
        _build(home)
    return CustomerWarehouse(home, json.loads((home / ".built").read_text()))


def _build(home: Path) -> None:
    import json

    from ml.personalisation.job import run_all
    from sehat.config import settings
    from sehat.generate import GenerateConfig, generate
    from sehat.ingest.clevertap import ingest_day
    from sehat.ingest.production import extract_day
    from sehat.transform.dbt import dbt_build
    from sehat.warehouse import refresh_reader

    cfg = settings()
    generate(GenerateConfig(customers=CUSTOMERS, days=DAYS, start=START, seed=21, data_dir=cfg.data_dir))
    for i in range(DAYS + 1):
        ingest_day(START + timedelta(days=i), cfg)
        extract_day(START + timedelta(days=i), cfg)
    # only this issue's part of the project (and what it reads): other teams' marts are not needed here
    select = " ".join(f"path:{p}" for p in (
        "models/staging", "models/intermediate/customers", "models/marts/customers", "models/marts/segments",
        "models/marts/experiments", "models/marts/content", "snapshots"))
    dbt_build(select=select, vars={"as_of_date": AS_OF.isoformat()}, target_path=home / "target",
              on_line=lambda _: None)
    refresh_reader(cfg)
    result = run_all(cfg)
    (home / ".built").write_text(json.dumps(result, default=str))
