"""Small reader snapshots for the release tests: segment tables built from the registry."""

from __future__ import annotations

import duckdb

from sehat.segments import get_segment


def write_snapshot(cfg, tables: dict[str, list[tuple]], customers: int | None = 1000, extra_sql: str = "") -> None:
    """A reader snapshot with ``marts.dim_customers`` (``customers`` rows; None: no such table) and,
    per export name in ``tables``, its relation with the export's columns (VARCHAR) and the rows given."""
    cfg.reader_path.parent.mkdir(parents=True, exist_ok=True)
    cfg.reader_path.unlink(missing_ok=True)
    with duckdb.connect(str(cfg.reader_path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS ml")
        if customers is not None:
            con.execute("CREATE TABLE marts.dim_customers AS SELECT 'c' || range AS customer_key,"
                        f" range % 4 = 0 AS is_anonymous FROM range({customers})")
        for name, rows in tables.items():
            seg = get_segment(name)
            cols = ", ".join(f"{c} VARCHAR" for c in seg.columns)
            con.execute(f"CREATE TABLE {seg.relation} ({cols})")
            if rows:
                con.executemany(f"INSERT INTO {seg.relation} VALUES ({', '.join('?' for _ in seg.columns)})",
                                [tuple(r) + (None,) * (len(seg.columns) - len(r)) for r in rows])
        if extra_sql:
            con.execute(extra_sql)


def members(n: int, width: int, start: int = 0) -> list[tuple]:
    """``n`` rows ``('c<i>', <i>, ...)`` padded to ``width`` columns with '2026-11-04'-like text."""
    return [(f"c{i}", str(i)) + ("x",) * (width - 2) for i in range(start, start + n)]
