"""The checks a candidate must pass before it leaves the warehouse.

* :func:`run_suite`: a Great Expectations suite on a bounded pandas DataFrame (read from the
  DuckDB snapshot: GX 1.x through SQLAlchemy on DuckDB fails every expectation, see
  docs/design.md), one check dict per expectation, plus the validation result for Data Docs;
* :func:`pii_check`: no column that identifies a person, by **name** and by **value** (phone
  numbers, e-mail addresses, and the values of the known PII columns of the warehouse), so
  ``phone AS contact_number`` is refused. Known values are matched like with like (docs/design.md,
  "Gate"): identifiers (hex digests, UUIDs, dates) are never read for digits; a known phone matches
  a value that is a phone (whole, as a token of free text, or an integer) on its whole number or
  national significant number, never on a tail of leftover digits;
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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sehat.segments import HASHED_PII_COLUMNS, PII_COLUMNS

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no phoning home from a health platform

# An e-mail address anywhere in a value.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A phone number: "+" and a country code, or a national "0" prefix, then 8-14 more digits with
# optional separators (space . ( ) -); not inside a longer word (hex digests, product codes).
PHONE_RE = re.compile(r"(?<![\w+])(?:\+\d{1,3}|0)(?:[ .()-]{0,2}\d){8,14}(?![\w])")


class GateFailed(RuntimeError):
    """A candidate failed its gate: nothing was published, the last good publication stays live."""

    def __init__(self, what: str, result: dict):
        self.result = result
        failed = "; ".join(_failure_line(c, result) for c in failures(result))
        docs = f" (results: {result['data_docs']})" if result.get("data_docs") else ""
        super().__init__(f"quality gate failed for {what}, nothing published: {failed}{docs}")

    def failures(self) -> list[dict]:
        return failures(self.result)


_NOT_EXPECTED = {"batch_id", "column", "result_format", "catch_exceptions", "meta", "rendered_content"}


def _failure_line(c: dict, result: dict) -> str:
    """``check(column): observed X, expected Y`` and, for a segment's row-count floor, the setting."""
    expected = ", ".join(f"{k}={v}" for k, v in (c.get("kwargs") or {}).items()
                         if k not in _NOT_EXPECTED and v is not None)
    line = f"{c['expectation']}({c.get('column') or ''}): observed {c['observed']}"
    line += f", expected {expected}" if expected else ""
    if c["expectation"] == "expect_table_row_count_to_be_between" and result.get("kind") == "segments":
        line += (f" (the floor is min_rows in dbt_project/segments/{result.get('name')}.yml;"
                 " allow_empty: true lets an empty audience pass)")
    return line


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


def run_suite(df: pd.DataFrame, build_suite: Callable[[], object],
              asset: str = "candidate") -> tuple[list[dict], object]:
    """Validate ``df`` with the suite ``build_suite()`` returns (called once GX has a context);
    returns (one check per expectation, the GX validation result)."""
    source = _gx_source()
    if asset in [a.name for a in source.assets]:
        source.delete_asset(asset)
    batch = (source.add_dataframe_asset(asset)
             .add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": df}))
    result = batch.validate(build_suite())
    checks = []
    for r in result.results:
        cfg = r.expectation_config
        observed = r.result.get("observed_value", r.result.get("unexpected_count"))
        checks.append(check(cfg.type, r.success, observed, cfg.kwargs.get("column"),
                            **{k: v for k, v in cfg.kwargs.items() if k not in ("batch_id", "column")}))
    return checks, result


@lru_cache(maxsize=1)
def _gx_source():
    """One ephemeral GX context and pandas data source per process: a gate run of many exports builds
    them once (about 0.2 s each), not once per export."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context.data_sources.add_pandas("sehat")


@lru_cache(maxsize=1)
def _page_view():
    """One Data Docs page view per process: its Jinja environment compiles GX's templates once
    (0.5 s), then every gate run's page renders from the compiled templates."""
    from great_expectations.render.view import DefaultJinjaPageView

    return DefaultJinjaPageView()


def write_data_docs(validation, out: Path, extra_checks: Iterable[dict] = (), title: str = "") -> Path | None:
    """Render the GX validation result (and the non-GX checks) as one static, offline HTML page."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer

    out.mkdir(parents=True, exist_ok=True)
    html = _page_view().render(ValidationResultsPageRenderer().render(validation)) if validation else ""
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
        html = (f"<html><head><meta charset='utf-8'>{style}<title>{_esc(title)}</title></head>"
                f"<body>{summary}</body></html>")
    path = out / "index.html"
    path.write_text(html)
    return path


def _esc(value) -> str:
    import html

    return html.escape(str(value))


# --------------------------------------------------------------------------- PII


# A value that is, whole, an identifier: a hex digest (md5, sha1, sha256, sha512), a UUID, or an ISO
# date / timestamp. It is checked for being what it is, never read for the digits it holds: the
# digits left in an md5 key once its letters are dropped are random, not a phone number.
IDENTIFIER_RE = (r"(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{128}"
                 r"|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
                 r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)")
# A phone-shaped token (the whole value, or a number inside free text): 8-17 digits with optional
# separators (space . ( ) / -), an optional "+" or "(+", not inside a longer word.
PHONE_TOKEN_RE = r"(?<![\w+])\(?\+?\d(?:[ .()/-]{0,3}\d){7,16}(?!\w)"
# ITU-T E.164 country codes of one and two digits (every other code has three): what is left of an
# international number once its country code is dropped is its national significant number (NSN).
ONE_DIGIT_CC = ("1", "7")
TWO_DIGIT_CC = ("20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
                "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
                "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98")
PHONE_DIGITS = (8, 15)  # numbers compared with the known phones have this many digits (E.164: at most 15)
PII_SAMPLE = 3  # offending values shown (masked) in a failed check


def _mask(value: str) -> str:
    return value[:3] + "***" if len(value) > 3 else "***"


BARE, INTERNATIONAL, NATIONAL = 0, 1, 2  # how a number is written (:func:`_read_phones`)
_POW10 = 10 ** np.arange(19, dtype="int64")


def _keys(value: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Numbers as int64 keys that keep leading zeros (``length * 10**15 + value``); -1 where the
    length is outside :data:`PHONE_DIGITS`."""
    ok = (length >= PHONE_DIGITS[0]) & (length <= PHONE_DIGITS[1])
    return np.where(ok, length * 10**15 + value, -1)


def _read_phones(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value read as a phone number: (form, e164, nsn).

    ``form``: :data:`INTERNATIONAL` (a ``+`` or ``00`` prefix), :data:`NATIONAL` (a ``0`` trunk
    prefix) or :data:`BARE` (digits only); ``e164``: the whole number, country code included, as
    :func:`_keys` (international and bare; -1 for national); ``nsn``: the national significant number
    (national: without the ``0``; otherwise without the country code, whose length the ITU-T E.164
    table gives). Vectorised: the digits are read once as an int64, the rest is arithmetic.
    """
    raw = raw.astype("str")
    digits = raw.str.replace(r"\D", "", regex=True)
    length = digits.str.len().to_numpy("int64")
    readable = (length >= PHONE_DIGITS[0]) & (length <= PHONE_DIGITS[1] + 2)  # "00" + 15 digits at most
    value = np.zeros(len(raw), dtype="int64")
    if readable.any():
        value[readable] = digits[readable].astype("int64").to_numpy()
    width = np.searchsorted(_POW10, value, side="right")  # digits of the value (leading zeros dropped)
    zeros = length - width  # leading zeros
    form = np.where(raw.str.contains("+", regex=False).to_numpy() | (zeros >= 2), INTERNATIONAL,
                    np.where(zeros == 1, NATIONAL, BARE))
    form = np.where(readable, form, BARE)
    first = value // _POW10[np.maximum(width - 1, 0)]
    two = value // _POW10[np.maximum(width - 2, 0)]
    cc = np.where(np.isin(first, [int(c) for c in ONE_DIGIT_CC]), 1,
                  np.where(np.isin(two, [int(c) for c in TWO_DIGIT_CC]), 2, 3))
    national = form == NATIONAL
    nsn_width = np.where(national, width, width - cc)
    nsn = np.where(national, value, value % _POW10[np.clip(nsn_width, 0, 18)])
    e164 = np.where(national | ~readable, -1, _keys(value, width))
    nsn = np.where(readable, _keys(nsn, np.where(national, length - 1, nsn_width)), -1)
    return form, e164, nsn


@dataclass(frozen=True)
class KnownPII:
    """The known PII values, read once for any number of checks: the normalised e-mails (trimmed,
    lower case) and the phones as sorted int64 keys (:func:`_read_phones`: ``e164``, ``nsn``)."""

    emails: pa.Array
    phones: dict[str, np.ndarray]
    count: int  # known values given (e-mails + phones)

    @classmethod
    def of(cls, known: KnownPII | dict | None) -> KnownPII:
        """From ``{"email": [...], "phone": [...]}`` (sets, lists, arrays or Series). A known phone
        written without a prefix is read as international (``62812...``: a phone stored without its ``+``)."""
        if isinstance(known, KnownPII):
            return known
        known = known or {}
        emails, phones = _strings(known.get("email")), _strings(known.get("phone"))
        normalised = pc.unique(pa.array(emails.str.strip().str.lower()))
        _, e164, nsn = _read_phones(phones)
        return cls(emails=pc.filter(normalised, pc.not_equal(normalised, "")),
                   phones={"e164": np.sort(e164[e164 >= 0]), "nsn": np.sort(nsn[nsn >= 0])},
                   count=len(emails) + len(phones))


def _isin_sorted(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``values`` found in the sorted ``keys`` (a binary search per value: no hash table of the keys)."""
    if not len(keys):
        return np.zeros(len(values), dtype=bool)
    return keys[np.minimum(np.searchsorted(keys, values), len(keys) - 1)] == values


def _known_phone_hits(numbers: tuple[np.ndarray, np.ndarray, np.ndarray], keys: dict[str, np.ndarray]) -> np.ndarray:
    """Which numbers (as :func:`_read_phones` read them) are a known phone: international by the
    whole number, national by the national significant number, bare digits by either."""
    form, e164, nsn = numbers
    return (((form != NATIONAL) & (e164 >= 0) & _isin_sorted(e164, keys["e164"]))
            | ((form == NATIONAL) & (nsn >= 0) & _isin_sorted(nsn, keys["nsn"]))
            | ((form == BARE) & (e164 >= 0) & _isin_sorted(e164, keys["nsn"])))


def _strings(values) -> pd.Series:
    """Known values (a set, a list, an array, a Series or an Arrow column) as a Series of non-null strings."""
    if values is None:
        return pd.Series([], dtype="str")
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pd.Series(pd.array(values, dtype="str")).dropna()
    if not isinstance(values, (pd.Series, np.ndarray, list)):
        values = list(values)
    return pd.Series(values, dtype="str").dropna()


def pii_check(df: pd.DataFrame, allow_hashed: bool = False, known: KnownPII | dict | None = None) -> dict:
    """No PII in ``df``: no PII column name, and no value that is a phone number, an e-mail address,
    or one of the ``known`` PII values (:class:`KnownPII`, or ``{"email": [...], "phone": [...]}``).

    Matching compares like with like (docs/design.md, "PII by value"): an identifier (hex digest,
    UUID, ISO date) is never read for the digits it holds; a known phone matches a number that is a
    phone (the whole value or a phone-shaped token of a string, or an 8-15 digit integer) on its full
    number or its national significant number, never on a tail of leftover digits. The hashed
    contact columns (``email_md5``, ``phone_md5``) pass only where ``allow_hashed``.
    """
    forbidden = set(PII_COLUMNS) | (set() if allow_hashed else set(HASHED_PII_COLUMNS))
    found = [f"column {c}" for c in df.columns if str(c).lower() in forbidden]
    known = KnownPII.of(known)
    emails, phones = known.emails, known.phones
    has_phones = any(len(v) for v in phones.values())
    for col in df.columns:
        series = df[col].dropna()
        if series.empty:
            continue
        kind = series.dtype.kind
        if kind == "O" or str(series.dtype) in ("string", "str"):
            values = series.astype("str").drop_duplicates()
            values = values[~values.str.fullmatch(IDENTIFIER_RE)].reset_index(drop=True)
            # the patterns run on the values that can hold a match (an "@"; 8+ digits, unless the
            # value is one number too long to be a phone); these pre-filters run vectorised
            may_phone = (values.str.contains(rf"(?:\d\D*){{{PHONE_DIGITS[0]}}}")
                         & ~values.str.fullmatch(rf"\d{{{PHONE_DIGITS[1] + 3},}}"))
            may_email = values.str.contains("@", regex=False)
            hit = pd.Series(False, index=values.index)
            hit[may_email] = values[may_email].str.contains(EMAIL_RE)
            hit[may_phone] |= values[may_phone].str.contains(PHONE_RE)
            if len(emails):
                normalised = pa.array(values.str.strip().str.lower())
                hit |= pc.is_in(normalised, value_set=emails).to_numpy(zero_copy_only=False)
            if has_phones and may_phone.any():
                tokens = values[may_phone].str.findall(PHONE_TOKEN_RE).explode().dropna()
                if len(tokens):
                    known_hit = _known_phone_hits(_read_phones(tokens.reset_index(drop=True)), phones)
                    hit |= values.index.isin(tokens.index[known_hit])
            hits = values[hit]
        elif kind in "iu" and has_phones:
            size = series.abs()
            values = size[(size >= 10 ** (PHONE_DIGITS[0] - 1)) & (size < 10 ** PHONE_DIGITS[1])]
            values = values.drop_duplicates().astype("str")
            hits = values[_known_phone_hits(_read_phones(values), phones)]
        else:
            continue
        if len(hits):
            found.append(f"values in {col} ({len(hits)} distinct, "
                         f"e.g. {', '.join(_mask(v) for v in hits.iloc[:PII_SAMPLE])})")
    return check("expect_no_pii", not found, "; ".join(found) if found else "none",
                 forbidden_columns=sorted(forbidden), known_values=known.count)


def known_pii_values(con) -> KnownPII:
    """The warehouse's known PII values (the e-mails and phones of ``restricted.dim_customer_pii``),
    when the connection can read that relation; none otherwise (the pattern scan still runs)."""
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'restricted'"
                      " AND table_name = 'dim_customer_pii'").fetchone()[0]
    if not has:
        has = con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'restricted'"
                          " AND view_name = 'dim_customer_pii'").fetchone()[0]
    if not has:
        return KnownPII.of(None)
    return KnownPII.of({column: con.execute(f"SELECT {column} FROM restricted.dim_customer_pii"
                                            f" WHERE {column} IS NOT NULL").to_arrow_table()[column]
                        for column in ("email", "phone")})


def known_pii_in_snapshot(cfg) -> KnownPII:
    """:func:`known_pii_values` of the read-only snapshot (none when there is no snapshot yet).

    Kept for the snapshot file it was read from (path, size, modification time): the exports of
    one run are gated one after the other against the same snapshot, which is read once."""
    from sehat.warehouse import restricted_path

    path = restricted_path(cfg)
    if not path.exists():
        return KnownPII.of(None)
    stat = path.stat()
    return _known_pii_of_file(cfg, str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=1)
def _known_pii_of_file(cfg, path: str, size: int, mtime_ns: int) -> KnownPII:
    from sehat.warehouse import restricted_reader as reader  # a job: the full snapshot

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
