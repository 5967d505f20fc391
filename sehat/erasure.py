"""Erasure: purge the personal data of users deleted at the source, or named in an erasure request.

The subjects of a run are the users whose ``users`` row was deleted at the production source
(``raw.production_deletions``, found by the extraction's key reconciliation) and the users of
erasure requests that arrived directly (``sehat erase --user-id N``, kept in
``raw.erasure_requests``). :func:`erase` runs after every ingest (the daily step
``erase_deleted_users``, between the loads and ``dbt build``) and from ``sehat erase``; each run
purges again whatever a load brought back (a re-run day reloads its CleverTap files), so the
rules hold for every later run, not only the first.

What is purged (policy; docs/design.md, "Deletions at the source and erasure"):

* ``raw.prod_users``: ``name``, ``email``, ``phone``, ``birth_date`` set NULL on every extracted
  version of the user's row; the row stays (user id, CleverTap identity, gender, city, dates) so
  the marts can flag the customer (``dim_customers.is_deleted_at_source``) and count history;
* ``raw.production_quarantine``: quarantined ``users`` rows of the user, deleted;
* ``raw.clevertap_events`` and the incremental ``staging.stg_clevertap__events`` (its builds do
  not revisit old days): every event of the user, deleted, i.e. every event whose identity, profile
  e-mail, profile phone or ``all_identities`` value is one of the user's identifiers. Anonymous
  events of the user's devices before login carry none of them and stay, no longer linked to anyone;
* ``raw.clevertap_quarantine``: lines whose ``raw_line`` holds the user's identity (as a JSON
  string) or an e-mail address or phone number of the user, deleted;
* ``restricted.dim_customer_pii``: the user's rows, deleted (the next dbt build leaves them out too);
* ``snapshots.customer_profiles_snapshot``: masked name and hashed e-mail / phone set NULL on
  every version of the user's rows.

Everything else in the warehouse is rebuilt from these by the next ``dbt build`` (the daily run
builds right after this step) and reaches the snapshots at their next refresh.

To find the user's lines again after their contacts are gone from ``raw.prod_users``, the run
keeps a suppression list, ``raw.erasure_identifiers``: the CleverTap identity and the md5 of the
normalised e-mail and phone (the same hashes ``dim_customers`` shows analysts), never the
contacts themselves. ``raw.erasure_log`` is the audit: one row per user for its first erasure and
for every later run that purged something (user id, reason, when, rows per table), no PII.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date

import duckdb

from sehat.config import Settings, settings
from sehat.ingest.production import QUARANTINE_DDL
from sehat.warehouse import writer

log = logging.getLogger(__name__)

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.erasure_requests (
    user_id      BIGINT NOT NULL,
    requested_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.erasure_identifiers (
    user_id BIGINT NOT NULL,
    kind    VARCHAR NOT NULL,  -- identity | email_md5 | phone_md5
    value   VARCHAR NOT NULL   -- the identity, or md5 of the normalised e-mail / phone
);
CREATE TABLE IF NOT EXISTS raw.erasure_log (
    user_id     BIGINT NOT NULL,
    reason      VARCHAR NOT NULL,  -- deleted_at_source | request
    erased_at   TIMESTAMP NOT NULL,
    batch_date  DATE,              -- the daily run's day; NULL from `sehat erase`
    rows_purged BIGINT NOT NULL,
    purged      JSON NOT NULL      -- {"<table>": rows}
);
"""

# Columns of raw.prod_users that identify the person (nulled). A PII column renamed at the source
# arrives as a new column (the schema-drift alert names it): add it here.
USER_PII_COLUMNS = ("name", "email", "phone", "birth_date")
# The profile history's personal columns (hashed or masked).
SNAPSHOT_PII_COLUMNS = ("name", "email_md5", "phone_md5")

# The dbt macros normalize_email / normalize_phone, and the md5 dim_customers shows.
EMAIL_MD5 = "md5(nullif(lower(trim({0})), ''))"
PHONE_MD5 = "md5(nullif(regexp_replace({0}, '[^0-9+]', '', 'g'), ''))"
PHONE_DIGITS = "regexp_replace({0}, '[^0-9]', '', 'g')"  # the phone as a JSON number carries it
# Contacts inside a quarantined line (it may not parse): e-mail addresses, and phone-like runs of
# digits with separators (the gate's phone pattern, loosened: any such run is hashed and compared).
EMAIL_IN_TEXT = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PHONE_IN_TEXT = r"\+?[0-9][0-9 ().-]{6,}[0-9]"

# The subjects: users deleted at the source, and erasure requests (the release gate reads the same).
DELETED_USERS_SQL = """
SELECT DISTINCT TRY_CAST(key AS BIGINT) AS user_id, 'deleted_at_source' AS reason
FROM raw.production_deletions WHERE table_name = 'users' AND TRY_CAST(key AS BIGINT) IS NOT NULL
"""
SUBJECTS_SQL = DELETED_USERS_SQL + f"""
UNION ALL
SELECT DISTINCT user_id, 'request' FROM raw.erasure_requests
WHERE user_id NOT IN (SELECT user_id FROM ({DELETED_USERS_SQL}))
"""


@dataclass
class ErasureReport:
    """What one run purged: per user {table: rows}; ``unknown`` users have nothing in the warehouse."""

    day: date | None
    subjects: int = 0
    users: dict[int, dict] = field(default_factory=dict)  # user_id -> {"reason", "purged": {table: rows}}
    unknown: list[int] = field(default_factory=list)
    # erasure requests whose account the app still has: not flagged in the marts, refused by the gate
    still_in_app: list[int] = field(default_factory=list)

    @property
    def rows_purged(self) -> int:
        return sum(sum(u["purged"].values()) for u in self.users.values())

    def as_dict(self) -> dict:
        return {"day": self.day.isoformat() if self.day else None, "subjects": self.subjects,
                "rows_purged": self.rows_purged, "unknown": self.unknown, "still_in_app": self.still_in_app,
                "users": {str(k): v for k, v in sorted(self.users.items())}}


def erase(cfg: Settings | None = None, day: date | None = None, user_ids: tuple[int, ...] | list[int] = ()
          ) -> ErasureReport:
    """Purge the personal data of every subject (see the module docstring); ``user_ids`` adds
    erasure requests first (kept: every later run purges them too). One transaction."""
    cfg = cfg or settings()
    report = ErasureReport(day)
    with writer(cfg) as con:
        con.execute(QUARANTINE_DDL)  # raw.production_deletions exists once anything was extracted
        con.execute(DDL)
        for user_id in dict.fromkeys(int(u) for u in user_ids):
            con.execute("INSERT INTO raw.erasure_requests SELECT ?, current_localtimestamp()"
                        " WHERE ? NOT IN (SELECT user_id FROM raw.erasure_requests)", [user_id, user_id])
        con.execute(f"CREATE OR REPLACE TEMP TABLE _subjects AS {SUBJECTS_SQL}")
        report.subjects = con.execute("SELECT count(*) FROM _subjects").fetchone()[0]
        if not report.subjects:
            con.execute("DROP TABLE _subjects")
            return report
        con.execute("BEGIN TRANSACTION")
        try:
            _remember_identifiers(con)
            purged = _purge_all(con)
            _log(con, day, purged, report)
            if _has_table(con, "raw", "prod_users"):
                report.still_in_app = [r[0] for r in con.execute(
                    "SELECT user_id FROM _subjects WHERE reason = 'request'"
                    " AND user_id IN (SELECT user_id FROM raw.prod_users) ORDER BY 1").fetchall()]
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("DROP TABLE IF EXISTS _subjects; DROP TABLE IF EXISTS _ids")
    if report.subjects:
        log.info("erasure %s: %s rows purged for %s of %s subjects", day or "on request", report.rows_purged,
                 len(report.users), report.subjects)
    return report


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                            [schema, name]).fetchone()[0])


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ?"
                                      " AND table_name = ?", [schema, name]).fetchall()}


def _remember_identifiers(con: duckdb.DuckDBPyConnection) -> None:
    """Add the subjects' identifiers still in ``raw.prod_users`` to the suppression list, then
    load the whole list of the subjects into ``_ids(user_id, kind, value)``."""
    if _has_table(con, "raw", "prod_users"):
        cols = _columns(con, "raw", "prod_users")
        found = []
        if "identity" in cols:
            found.append("SELECT user_id, 'identity', nullif(trim(identity), '') FROM raw.prod_users")
        if "email" in cols:
            found.append(f"SELECT user_id, 'email_md5', {EMAIL_MD5.format('email')} FROM raw.prod_users")
        if "phone" in cols:
            found.append(f"SELECT user_id, 'phone_md5', {PHONE_MD5.format('phone')} FROM raw.prod_users")
            # CleverTap may write the same phone as a JSON number (918879382967): no '+' to normalise
            found.append(f"SELECT user_id, 'phone_md5', {PHONE_MD5.format(PHONE_DIGITS.format('phone'))}"
                         " FROM raw.prod_users")
        if found:
            con.execute(
                "INSERT INTO raw.erasure_identifiers SELECT DISTINCT f.* FROM (" + " UNION ALL ".join(found)
                + ") AS f(user_id, kind, value) WHERE f.value IS NOT NULL"
                " AND f.user_id IN (SELECT user_id FROM _subjects)"
                " AND NOT EXISTS (SELECT 1 FROM raw.erasure_identifiers e"
                " WHERE e.user_id = f.user_id AND e.kind = f.kind AND e.value = f.value)"
            )
    con.execute("CREATE OR REPLACE TEMP TABLE _ids AS SELECT DISTINCT user_id, kind, value FROM raw.erasure_identifiers"
                " WHERE user_id IN (SELECT user_id FROM _subjects)")


def _event_matches(table: str) -> str:
    """(rid, user_id) of the events of ``table`` (raw or staging CleverTap events) that belong to a
    subject: any of identity, e-mail, phone or an ``all_identities`` value is the subject's."""
    return f"""
        WITH vals AS (
            SELECT rowid AS rid, unnest(list_concat([identity, email, phone], coalesce(all_identities, []::VARCHAR[])))
                   AS val
            FROM {table}
        ),
        keyed AS (
            SELECT rid, nullif(trim(val), '') AS k_identity, {EMAIL_MD5.format('val')} AS k_email,
                   {PHONE_MD5.format('val')} AS k_phone
            FROM vals WHERE val IS NOT NULL
        )
        SELECT k.rid, i.user_id FROM keyed k JOIN _ids i ON i.kind = 'identity' AND i.value = k.k_identity
        UNION SELECT k.rid, i.user_id FROM keyed k JOIN _ids i ON i.kind = 'email_md5' AND i.value = k.k_email
        UNION SELECT k.rid, i.user_id FROM keyed k JOIN _ids i ON i.kind = 'phone_md5' AND i.value = k.k_phone
    """


def _quarantine_matches() -> str:
    return f"""
        WITH found AS (
            SELECT rowid AS rid, raw_line,
                   list_transform(regexp_extract_all(raw_line, '{EMAIL_IN_TEXT}'), x -> {EMAIL_MD5.format('x')})
                       AS emails,
                   list_transform(regexp_extract_all(raw_line, '{PHONE_IN_TEXT}'), x -> {PHONE_MD5.format('x')})
                       AS phones
            FROM raw.clevertap_quarantine WHERE raw_line IS NOT NULL
        )
        SELECT f.rid, i.user_id FROM found f JOIN _ids i ON
            (i.kind = 'identity' AND strpos(f.raw_line, '"' || i.value || '"') > 0)
            OR (i.kind = 'email_md5' AND list_contains(f.emails, i.value))
            OR (i.kind = 'phone_md5' AND list_contains(f.phones, i.value))
    """


def _purge(con: duckdb.DuckDBPyConnection, relation: str, matches_sql: str, action: str) -> dict[int, int]:
    """Apply ``action`` (``DELETE`` or ``SET ...``) to the rows of ``relation`` that ``matches_sql``
    yields as (rid, user_id); returns rows per user."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _hits AS {matches_sql}")
    counts = dict(con.execute("SELECT user_id, count(DISTINCT rid) FROM _hits GROUP BY 1").fetchall())
    if counts:
        if action == "DELETE":
            con.execute(f"DELETE FROM {relation} WHERE rowid IN (SELECT rid FROM _hits)")
        else:
            con.execute(f"UPDATE {relation} {action} WHERE rowid IN (SELECT rid FROM _hits)")
    con.execute("DROP TABLE _hits")
    return counts


def _purge_all(con: duckdb.DuckDBPyConnection) -> dict[str, dict[int, int]]:
    """Every purge of the policy: {relation: {user_id: rows}}."""
    out: dict[str, dict[int, int]] = {}
    subjects = "(SELECT user_id FROM _subjects)"
    if _has_table(con, "raw", "prod_users"):
        cols = [c for c in USER_PII_COLUMNS if c in _columns(con, "raw", "prod_users")]
        if cols:
            out["raw.prod_users"] = _purge(
                con, "raw.prod_users",
                f"SELECT rowid AS rid, user_id FROM raw.prod_users WHERE user_id IN {subjects}"
                f" AND ({' OR '.join(f'{c} IS NOT NULL' for c in cols)})",
                "SET " + ", ".join(f"{c} = NULL" for c in cols))
    out["raw.production_quarantine"] = _purge(
        con, "raw.production_quarantine",
        "SELECT rowid AS rid, TRY_CAST(json_extract_string(record, '$.user_id') AS BIGINT) AS user_id"
        f" FROM raw.production_quarantine WHERE table_name = 'users'"
        f" AND TRY_CAST(json_extract_string(record, '$.user_id') AS BIGINT) IN {subjects}",
        "DELETE")
    if _has_table(con, "raw", "clevertap_events"):
        out["raw.clevertap_events"] = _purge(con, "raw.clevertap_events", _event_matches("raw.clevertap_events"),
                                             "DELETE")
    if _has_table(con, "staging", "stg_clevertap__events"):
        out["staging.stg_clevertap__events"] = _purge(
            con, "staging.stg_clevertap__events", _event_matches("staging.stg_clevertap__events"), "DELETE")
    if _has_table(con, "raw", "clevertap_quarantine"):
        out["raw.clevertap_quarantine"] = _purge(con, "raw.clevertap_quarantine", _quarantine_matches(), "DELETE")
    if _has_table(con, "restricted", "dim_customer_pii"):
        out["restricted.dim_customer_pii"] = _purge(
            con, "restricted.dim_customer_pii",
            f"SELECT rowid AS rid, user_id FROM restricted.dim_customer_pii WHERE user_id IN {subjects}", "DELETE")
    if _has_table(con, "snapshots", "customer_profiles_snapshot"):
        cols = [c for c in SNAPSHOT_PII_COLUMNS if c in _columns(con, "snapshots", "customer_profiles_snapshot")]
        if cols:
            out["snapshots.customer_profiles_snapshot"] = _purge(
                con, "snapshots.customer_profiles_snapshot",
                f"SELECT rowid AS rid, user_id FROM snapshots.customer_profiles_snapshot WHERE user_id IN {subjects}"
                f" AND ({' OR '.join(f'{c} IS NOT NULL' for c in cols)})",
                "SET " + ", ".join(f"{c} = NULL" for c in cols))
    return out


def _log(con: duckdb.DuckDBPyConnection, day: date | None, purged: dict[str, dict[int, int]],
         report: ErasureReport) -> None:
    """One audit row per subject erased for the first time or purged now (counts, never values)."""
    logged = {r[0] for r in con.execute("SELECT DISTINCT user_id FROM raw.erasure_log").fetchall()}
    known = {r[0] for r in con.execute("SELECT DISTINCT user_id FROM _ids").fetchall()}
    for user_id, reason in con.execute("SELECT user_id, reason FROM _subjects ORDER BY user_id").fetchall():
        rows = {rel: counts[user_id] for rel, counts in purged.items() if counts.get(user_id)}
        if user_id not in known and not rows:
            report.unknown.append(user_id)
        if not rows and user_id in logged:
            continue
        report.users[user_id] = {"reason": reason, "purged": rows}
        con.execute("INSERT INTO raw.erasure_log VALUES (?, ?, current_localtimestamp(), ?, ?, ?)",
                    [user_id, reason, day, sum(rows.values()), json.dumps(rows, sort_keys=True)])
