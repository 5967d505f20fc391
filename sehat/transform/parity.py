"""Do two warehouses hold the same marts? (DuckDB-built vs Spark-built, or any two builds.)

:func:`compare` attaches two DuckDB files read-only and, for every table of the given schemas,
counts the rows only one side has (``EXCEPT ALL`` both ways, so duplicates count). Values are
compared after a normalisation that is not a difference between engines: doubles rounded to
``digits`` significant decimals (sums in another order differ in the last bits), lists sorted
(a set-aggregate has no order), instants as UTC wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class RelationParity:
    relation: str
    rows_left: int
    rows_right: int
    only_left: int  # rows (with multiplicity) the left build has and the right one lacks
    only_right: int
    columns_only_left: tuple[str, ...] = ()
    columns_only_right: tuple[str, ...] = ()

    @property
    def equal(self) -> bool:
        return not (self.only_left or self.only_right or self.columns_only_left or self.columns_only_right)


def compare(
    left: Path, right: Path, schemas: Iterable[str] = ("marts",), *, digits: int = 6,
    exclude: Iterable[str] = (),
) -> list[RelationParity]:
    """Every table of ``schemas`` in ``left`` compared with the same table in ``right``."""
    skipped = set(exclude)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
        con.execute(f"ATTACH '{right}' AS r (READ_ONLY)")
        wanted = list(schemas)
        relations = con.execute(
            "SELECT DISTINCT schema_name, table_name FROM duckdb_tables()"
            " WHERE database_name = 'l' AND list_contains(?, schema_name) ORDER BY ALL",
            [wanted],
        ).fetchall()
        views = con.execute(
            "SELECT DISTINCT schema_name, view_name FROM duckdb_views()"
            " WHERE database_name = 'l' AND list_contains(?, schema_name) ORDER BY ALL",
            [wanted],
        ).fetchall()
        return [
            _compare_one(con, schema, table, digits)
            for schema, table in sorted(set(relations) | set(views))
            if f"{schema}.{table}" not in skipped
        ]
    finally:
        con.close()


def _columns(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> dict[str, str]:
    return dict(con.execute(
        "SELECT column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [db, schema, table],
    ).fetchall())


def _normalised(column: str, data_type: str, digits: int) -> str:
    quoted = f'"{column}"'
    if data_type in ("DOUBLE", "FLOAT", "REAL") or data_type.startswith("DECIMAL"):
        # significant digits, not decimals: a share and a revenue in one rule
        return (f"CASE WHEN {quoted} = 0 OR {quoted} IS NULL THEN {quoted}::DOUBLE ELSE "
                f"round({quoted}::DOUBLE, {digits} - 1 - floor(log10(abs({quoted}::DOUBLE)))::INT) END")
    if data_type.endswith("[]"):
        return f"list_sort({quoted})"
    if data_type == "TIMESTAMP WITH TIME ZONE":
        return f"timezone('UTC', {quoted})"
    if data_type == "JSON":
        return f"{quoted}::VARCHAR"
    return quoted


def _compare_one(con: duckdb.DuckDBPyConnection, schema: str, table: str, digits: int) -> RelationParity:
    relation = f"{schema}.{table}"
    left = _columns(con, "l", schema, table)
    right = _columns(con, "r", schema, table)
    if not right:
        rows = con.execute(f'SELECT count(*) FROM l."{schema}"."{table}"').fetchone()[0]
        return RelationParity(relation, rows, 0, rows, 0, tuple(left), ())
    shared = [c for c in left if c in right]
    exprs = ", ".join(_normalised(c, left[c], digits) for c in shared)
    exprs_right = ", ".join(_normalised(c, right[c], digits) for c in shared)
    left_sql = f'SELECT {exprs} FROM l."{schema}"."{table}"'
    right_sql = f'SELECT {exprs_right} FROM r."{schema}"."{table}"'
    count = lambda sql: con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    return RelationParity(
        relation,
        rows_left=count(left_sql),
        rows_right=count(right_sql),
        only_left=count(f"{left_sql} EXCEPT ALL {right_sql}"),
        only_right=count(f"{right_sql} EXCEPT ALL {left_sql}"),
        columns_only_left=tuple(c for c in left if c not in right),
        columns_only_right=tuple(c for c in right if c not in left),
    )
