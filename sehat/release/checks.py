"""The checks a candidate must pass before it leaves the warehouse.

* :func:`run_suite`: a Great Expectations suite on a bounded pandas DataFrame (read from the
  DuckDB snapshot: GX 1.x through SQLAlchemy on DuckDB fails every expectation, see
  docs/design.md), one check dict per expectation, plus the validation result for Data Docs;
* :func:`pii_check`: no column that identifies a person, by **name** and by **value** (phone
  numbers, e-mail addresses, and the values of the known PII columns of the warehouse), so
  ``phone AS contact_number`` is refused;
* :func:`erased_users_check`: no row of a user deleted at the production source or erased on
  request (by ``customer_key``, ``user_id`` or ``identity``): the segments leave them out, this
  refuses a publication that holds one anyway (defence in depth);
* :func:`size_checks`: rows bounded on every publication, the first one and a jump from zero
  included (absolute cap and share of all customers), and against the live publication;
* :func:`write_data_docs`: the gate run as a static HTML page (offline: no CDN links), kept for
  failures and successes.

Every check is a dict ``{"expectation", "column", "kwargs", "success", "observed"}``; a failed
gate raises :class:`GateFailed` (the one gate exception of the release path).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from sehat.segments import HASHED_PII_COLUMNS, PII_COLUMNS

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no phoning home from a health platform

# An e-mail address anywhere in a value.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A phone number: "+" and a country code, or a national "0" prefix, then 8-14 more digits with
# optional separators (space . ( ) -); not inside a longer word (hex digests, product codes).
PHONE_RE = re.compile(r"(?<![\w+])(?:\+\d{1,3}|0)(?:[ .()-]{0,2}\d){8,14}(?![\w])")
PII_SAMPLE = 3  # offending values shown (masked) in a failed check


class GateFailed(RuntimeError):
    """A candidate failed its gate: nothing was published, the last good publication stays live."""

    def __init__(self, what: str, result: dict):
        self.result = result
        failed = "; ".join(f"{c['expectation']}({c.get('column') or ''}): {c['observed']}" for c in failures(result))
        docs = f" (results: {result['data_docs']})" if result.get("data_docs") else ""
        super().__init__(f"quality gate failed for {what}, nothing published: {failed}{docs}")

    def failures(self) -> list[dict]:
        return failures(self.result)


def failures(result: dict) -> list[dict]:
    return [c for c in result.get("checks", []) if not c["success"]]


def check(expectation: str, success: bool, observed, column: str | None = None, **kwargs) -> dict:
    """A non-GX check in the same shape as the GX ones."""
    if not isinstance(observed, (int, float, str, type(None))):
        observed = str(observed)
    return {"expectation": expectation, "column": column, "kwargs": kwargs, "success": bool(success),
            "observed": observed}


# --------------------------------------------------------------------------- Great Expectations


def new_suite(name: str):
    import great_expectations as gx

    return gx.ExpectationSuite(name=name)


def run_suite(df: pd.DataFrame, build_suite: Callable[[], object], asset: str = "candidate") -> tuple[list[dict], object]:
    """Validate ``df`` with the suite ``build_suite()`` returns (called once GX has a context);
    returns (one check per expectation, the GX validation result)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch = (context.data_sources.add_pandas("sehat").add_dataframe_asset(asset)
             .add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": df}))
    result = batch.validate(build_suite())
    checks = []
    for r in result.results:
        cfg = r.expectation_config
        observed = r.result.get("observed_value", r.result.get("unexpected_count"))
        checks.append(check(cfg.type, r.success, observed, cfg.kwargs.get("column"),
                            **{k: v for k, v in cfg.kwargs.items() if k not in ("batch_id", "column")}))
    return checks, result


def write_data_docs(validation, out: Path, extra_checks: Iterable[dict] = (), title: str = "") -> Path | None:
    """Render the GX validation result (and the non-GX checks) as one static, offline HTML page."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    out.mkdir(parents=True, exist_ok=True)
    html = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(validation)) if validation else ""
    # offline: drop every asset the template loads from a CDN (the page is plain HTML without them)
    html = re.sub(r"<script[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>", "", html)
    html = re.sub(r"<link[^>]*href=\"https?://[^\"]*\"[^>]*>", "", html)
    html = re.sub(r"<img[^>]*src=\"https?://[^\"]*\"[^>]*>", "", html)
    rows = "".join(
        f"<tr><td>{'passed' if c['success'] else '<b>FAILED</b>'}</td><td>{_esc(c['expectation'])}</td>"
        f"<td>{_esc(c.get('column') or '')}</td><td>{_esc(c['observed'])}</td></tr>"
        for c in extra_checks)
    summary = (f"<h2>{_esc(title)}: checks outside Great Expectations</h2><table border=1 cellpadding=4>"
               f"<tr><th>result</th><th>check</th><th>column</th><th>observed</th></tr>{rows}</table>") if rows else ""
    style = "<style>body{font-family:sans-serif;margin:1em} table{border-collapse:collapse}</style>"
    if "</body>" in html:
        html = html.replace("<head>", "<head>" + style, 1).replace("</body>", summary + "</body>", 1)
    else:
        html = f"<html><head><meta charset='utf-8'>{style}<title>{_esc(title)}</title></head><body>{summary}</body></html>"
    path = out / "index.html"
    path.write_text(html)
    return path


def _esc(value) -> str:
    import html

    return html.escape(str(value))


# --------------------------------------------------------------------------- PII


def _mask(value: str) -> str:
    return value[:3] + "***" if len(value) > 3 else "***"


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def pii_check(df: pd.DataFrame, allow_hashed: bool = False, known: dict[str, set[str]] | None = None) -> dict:
    """No PII in ``df``: no PII column name, and no value that is a phone number, an e-mail address,
    or one of the ``known`` PII values (``{"email": {...}, "phone": {...}}``, from the warehouse).

    Every string column is scanned, and every integer column for 9-15 digit values that are a known
    phone number; hashed identifiers pass only where ``allow_hashed``.
    """
    forbidden = set(PII_COLUMNS) | (set() if allow_hashed else set(HASHED_PII_COLUMNS))
    found = [f"column {c}" for c in df.columns if str(c).lower() in forbidden]
    known = known or {}
    emails = {e.strip().lower() for e in known.get("email", ()) if e}
    phones = {_digits(p)[-9:] for p in known.get("phone", ()) if p and len(_digits(p)) >= 9}
    for col in df.columns:
        series = df[col].dropna()
        if series.empty:
            continue
        kind = series.dtype.kind
        if kind == "O" or str(series.dtype) in ("string", "str"):
            values = series.astype(str).drop_duplicates()
            hits = values[values.str.contains(EMAIL_RE) | values.str.contains(PHONE_RE)]
            if emails:
                hits = pd.concat([hits, values[values.str.strip().str.lower().isin(emails)]])
            if phones:
                tails = values.str.replace(r"\D", "", regex=True)
                hits = pd.concat([hits, values[(tails.str.len() >= 9) & tails.str[-9:].isin(phones)]])
        elif kind in "iu" and phones:
            big = series[(series.abs() >= 10**8) & (series.abs() < 10**15)].astype(str).drop_duplicates()
            hits = big[big.str[-9:].isin(phones)]
        else:
            continue
        hits = hits.drop_duplicates()
        if len(hits):
            found.append(f"values in {col} ({len(hits)} distinct, e.g. {', '.join(_mask(v) for v in hits.iloc[:PII_SAMPLE])})")
    return check("expect_no_pii", not found, "; ".join(found) if found else "none",
                 forbidden_columns=sorted(forbidden), known_values=sum(len(v) for v in (emails, phones)))


def known_pii_values(con) -> dict[str, set[str]]:
    """The warehouse's known PII values (e-mails and phones of ``restricted.dim_customer_pii``), when the
    connection can read that relation; empty sets otherwise (the pattern scan still runs)."""
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'restricted'"
                      " AND table_name = 'dim_customer_pii'").fetchone()[0]
    if not has:
        has = con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'restricted'"
                          " AND view_name = 'dim_customer_pii'").fetchone()[0]
    if not has:
        return {"email": set(), "phone": set()}
    rows = con.execute("SELECT email, phone FROM restricted.dim_customer_pii").fetchall()
    return {"email": {r[0] for r in rows if r[0]}, "phone": {r[1] for r in rows if r[1]}}


def known_pii_in_snapshot(cfg) -> dict[str, set[str]]:
    """:func:`known_pii_values` of the read-only snapshot (empty when there is no snapshot yet)."""
    from sehat.warehouse import restricted_path
    from sehat.warehouse import restricted_reader as reader  # a job: the full snapshot

    if not restricted_path(cfg).exists():
        return {"email": set(), "phone": set()}
    with reader(cfg) as con:
        return known_pii_values(con)


# --------------------------------------------------------------------------- erased users


def erased_users_check(df: pd.DataFrame, erased: dict[str, set] | None = None) -> dict:
    """No row of an erased user in ``df``: a value of ``customer_key``, ``user_id`` or ``identity``
    that belongs to a user deleted at the source or erased on request (``erased``: the sets of
    :func:`erased_users_in_snapshot`). Offending values are shown (they are keys, not PII)."""
    erased = erased or {}
    found = []
    for column in ("customer_key", "user_id", "identity"):
        values = erased.get(column) or set()
        if column not in df.columns or not values:
            continue
        series = df[column].dropna()
        if column == "user_id":  # integers, maybe read as floats next to NULLs
            series = pd.to_numeric(series, errors="coerce").dropna().astype("int64")
        hits = series[series.isin(values)].drop_duplicates()
        if len(hits):
            found.append(f"{column} {', '.join(str(v) for v in hits.iloc[:PII_SAMPLE])}"
                         f" ({len(hits)} distinct)")
    return check("expect_no_user_deleted_at_source", not found,
                 "; ".join(found) if found else "none", erased_users=len(erased.get("user_id") or ()))


def erased_users(con) -> dict[str, set]:
    """The erased users (deleted at the source, or erasure requests: :data:`sehat.erasure.SUBJECTS_SQL`)
    as {"user_id", "customer_key", "identity"} sets, from what ``con`` holds (empty sets where a
    relation is missing: a warehouse that never extracted)."""
    from sehat.erasure import DELETED_USERS_SQL, SUBJECTS_SQL

    def has(schema: str, name: str) -> bool:
        return bool(con.execute(
            "SELECT count(*) FROM (SELECT schema_name, table_name FROM duckdb_tables() UNION ALL"
            " SELECT schema_name, view_name FROM duckdb_views()) WHERE schema_name = ? AND table_name = ?",
            [schema, name]).fetchone()[0])

    out: dict[str, set] = {"user_id": set(), "customer_key": set(), "identity": set()}
    if has("raw", "production_deletions") and has("raw", "erasure_requests"):
        subjects = SUBJECTS_SQL
    elif has("raw", "production_deletions"):
        subjects = DELETED_USERS_SQL  # a warehouse the erasure never ran on
    else:
        subjects = None
    if subjects:
        out["user_id"] = {r[0] for r in con.execute(f"SELECT user_id FROM ({subjects})").fetchall()}
    ids = f"(SELECT user_id FROM ({subjects}))" if subjects else None
    if ids and has("intermediate", "int_customer_users_mapped"):
        out["customer_key"] |= {r[0] for r in con.execute(
            f"SELECT customer_key FROM intermediate.int_customer_users_mapped WHERE user_id IN {ids}").fetchall()}
    if has("marts", "dim_customers") and "is_deleted_at_source" in {
            r[0] for r in con.execute("DESCRIBE marts.dim_customers").fetchall()}:
        out["customer_key"] |= {r[0] for r in con.execute(
            "SELECT customer_key FROM marts.dim_customers WHERE is_deleted_at_source").fetchall()}
    if ids and has("raw", "erasure_identifiers"):
        out["identity"] |= {r[0] for r in con.execute(
            f"SELECT value FROM raw.erasure_identifiers WHERE kind = 'identity' AND user_id IN {ids}").fetchall()}
    if ids and has("raw", "prod_users"):
        out["identity"] |= {r[0] for r in con.execute(
            f"SELECT DISTINCT identity FROM raw.prod_users WHERE user_id IN {ids} AND identity IS NOT NULL").fetchall()}
    return out


def erased_users_in_snapshot(cfg) -> dict[str, set]:
    """:func:`erased_users` of the restricted snapshot (empty when there is no snapshot yet)."""
    from sehat.warehouse import restricted_path, restricted_reader

    if not restricted_path(cfg).exists():
        return {"user_id": set(), "customer_key": set(), "identity": set()}
    with restricted_reader(cfg) as con:
        return erased_users(con)


# --------------------------------------------------------------------------- size


def size_checks(rows: int, members: int, total_customers: int | None, previous_rows: int | None, *,
                max_rows: int | None, max_share: float | None, max_size_change: float) -> list[dict]:
    """Bounds on the size of a publication.

    * ``max_rows`` (absolute cap) and ``max_share`` (distinct customers over all customers of
      ``marts.dim_customers``) hold on **every** publication: the first one and a jump from zero too;
      a share bound without a customer count fails (nothing to compare with is not a pass);
    * against the live publication's rows, a change of at most ``max_size_change`` times either way
      (from or to zero rows: the absolute bounds above decide).
    """
    out = []
    if max_rows is not None:
        out.append(check("expect_rows_at_most", rows <= max_rows, rows, max_rows=max_rows))
    if max_share is not None:
        if not total_customers:
            out.append(check("expect_share_of_customers_at_most", False,
                             "no customer count (marts.dim_customers missing or empty)", max_share=max_share))
        else:
            share = members / total_customers
            out.append(check("expect_share_of_customers_at_most", share <= max_share,
                             f"{members} of {total_customers} customers ({share:.1%})", max_share=max_share))
    if previous_rows:
        low, high = int(previous_rows / max_size_change), int(previous_rows * max_size_change) + 1
        out.append(check("expect_size_change_at_most", low <= rows <= high,
                         f"{rows} rows vs {previous_rows} live", min_value=low, max_value=high,
                         max_size_change=max_size_change))
    return out
