"""Fixtures for the dbt project tests: a tiny raw schema in a temporary DuckDB file.

The raw rows live in ``fixtures/raw_small.sql`` (hand-written to the contract in
docs/design.md). ``dbt_built`` builds the whole project once per module against
that file (SEHAT_WAREHOUSE points at it) with dbt artifacts in a temporary folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is in the orchestration extra")

from sehat.config import settings
from sehat.transform.dbt import DbtResult, dbt_build

FIXTURES = Path(__file__).parent / "fixtures"


def create_raw_warehouse(path: Path, sql_file: Path = FIXTURES / "raw_small.sql") -> Path:
    """Create a DuckDB file holding the raw schema and the fixture rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(sql_file.read_text())
    return path


@dataclass
class BuiltWarehouse:
    path: Path
    target_path: Path
    result: DbtResult

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def query_dicts(self, sql: str) -> list[dict]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]


@pytest.fixture(scope="module")
def dbt_built(tmp_path_factory) -> BuiltWarehouse:
    tmp = tmp_path_factory.mktemp("dbt")
    warehouse = create_raw_warehouse(tmp / "warehouse" / "sehat.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEHAT_HOME", str(tmp))
        mp.setenv("SEHAT_WAREHOUSE", str(warehouse))
        assert settings().warehouse_path == warehouse
        result = dbt_build(target_path=tmp / "target")
    return BuiltWarehouse(warehouse, tmp / "target", result)
