"""The gate decides; publishing is atomic; a failed gate leaves the last good publication live."""

from __future__ import annotations

import json

import duckdb
import pytest

from sehat.release import GateFailed, NotValidated
from sehat.release.exports import current_publication, release_of
from sehat.release.exports import publish_export as publish_segment
from sehat.release.exports import validate_export as validate_segment

SEG = "consulted_no_order_30d"
CUSTOMERS = 1000  # rows of marts.dim_customers in the snapshot (the denominator of the share bound)


def segment_dir(cfg, name):
    return release_of(name, cfg).root


def _snapshot(cfg, rows, customers=CUSTOMERS):
    """Write a reader snapshot holding the segment table with ``rows`` and ``customers`` customers."""
    cfg.reader_path.parent.mkdir(parents=True, exist_ok=True)
    cfg.reader_path.unlink(missing_ok=True)
    with duckdb.connect(str(cfg.reader_path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.dim_customers AS SELECT 'c' || range AS customer_key,"
                    f" range % 4 = 0 AS is_anonymous FROM range({customers})")
        con.execute(
            "CREATE TABLE marts.seg_consulted_no_order_30d (customer_key VARCHAR, user_id BIGINT,"
            " last_consultation_at TIMESTAMP, days_since_consultation INTEGER, as_of_date DATE)"
        )
        if rows:
            con.executemany(
                "INSERT INTO marts.seg_consulted_no_order_30d"
                " VALUES (?, ?, TIMESTAMP '2026-11-01 10:00', 3, DATE '2026-11-04')",
                rows,
            )


def test_passing_gate_publishes_files_with_manifest_and_checksums(sehat_home):
    cfg = sehat_home
    _snapshot(cfg, [("k1", 1), ("k2", 2)])
    result = validate_segment(SEG, "2026-11-04", "scheduled__2026-11-04T00:00:00+00:00", cfg)
    assert result["passed"] and result["rows"] == 2
    manifest = publish_segment(SEG, "scheduled__2026-11-04T00:00:00+00:00", cfg)
    live = current_publication(SEG, cfg)
    assert live == manifest
    assert live["gate"]["passed"] and live["data_snapshot"]["snapshot"] == str(cfg.reader_path)
    pub = segment_dir(cfg, SEG) / manifest["directory"]
    assert sorted(p.name for p in pub.iterdir()) == [
        "manifest.json",
        "members.csv",
        "members.parquet",
    ]
    assert manifest["rows"] == 2
    import hashlib

    for name, meta in manifest["files"].items():
        assert hashlib.sha256((pub / name).read_bytes()).hexdigest() == meta["sha256"]


@pytest.mark.parametrize(
    "bad_rows, failing",
    [
        ([("k1", 1), ("k1", 2)], "expect_column_values_to_be_unique"),
        ([], "expect_table_row_count_to_be_between"),
        ([(None, 1)], "expect_column_values_to_not_be_null"),
    ],
)
def test_failed_gate_publishes_nothing_and_keeps_the_previous_publication(
    sehat_home, bad_rows, failing
):
    cfg = sehat_home
    _snapshot(cfg, [("k1", 1), ("k2", 2)])
    validate_segment(SEG, "2026-11-04", "run1", cfg)
    good = publish_segment(SEG, "run1", cfg)
    before = sorted(p.name for p in segment_dir(cfg, SEG).iterdir())

    _snapshot(cfg, bad_rows)
    with pytest.raises(GateFailed) as err:
        validate_segment(SEG, "2026-11-05", "run2", cfg)
    assert failing in {c["expectation"] for c in err.value.failures()}
    with pytest.raises(NotValidated):
        publish_segment(SEG, "run2", cfg)

    assert current_publication(SEG, cfg) == good
    assert sorted(p.name for p in segment_dir(cfg, SEG).iterdir()) == before


def test_a_pii_column_fails_the_gate(sehat_home):
    cfg = sehat_home
    _snapshot(cfg, [("k1", 1)])
    with duckdb.connect(str(cfg.reader_path)) as con:
        con.execute("ALTER TABLE marts.seg_consulted_no_order_30d ADD COLUMN phone VARCHAR")
    with pytest.raises(GateFailed, match="expect_table_columns_to_match_set"):
        validate_segment(SEG, "2026-11-04", "run1", cfg)
    assert current_publication(SEG, cfg) is None


def test_size_change_against_the_last_publication_is_bounded(sehat_home):
    cfg = sehat_home
    _snapshot(cfg, [(f"k{i}", i) for i in range(40)])
    validate_segment(SEG, "2026-11-04", "run1", cfg)
    publish_segment(SEG, "run1", cfg)
    _snapshot(cfg, [("k1", 1), ("k2", 2)])  # 40 -> 2 rows: a 20x drop
    with pytest.raises(GateFailed) as err:
        validate_segment(SEG, "2026-11-05", "run2", cfg)
    validation = json.loads(
        (cfg.publish_dir / ".candidates" / "segments" / SEG / "run2" / "gate.json").read_text()
    )
    assert validation["passed"] is False and validation["previous_rows"] == 40
    assert err.value.result["rows"] == 2
    assert [c["expectation"] for c in err.value.failures()] == ["expect_size_change_at_most"]


def test_republishing_the_same_run_never_touches_the_live_directory(sehat_home):
    """A retried publish writes a new directory; the one CURRENT named stays complete and unchanged."""
    cfg = sehat_home
    run = "manual__2026-11-04T00:00:00+00:00"
    _snapshot(cfg, [("k1", 1), ("k2", 2)])
    validate_segment(SEG, "2026-11-04", run, cfg)
    first = publish_segment(SEG, run, cfg)
    first_dir = segment_dir(cfg, SEG) / first["directory"]
    before = {p.name: p.read_bytes() for p in first_dir.iterdir()}

    _snapshot(cfg, [("k1", 1), ("k2", 2), ("k3", 3)])
    validate_segment(SEG, "2026-11-04", run, cfg)
    second = publish_segment(SEG, run, cfg)

    assert second["publication_id"] == first["publication_id"]
    assert second["directory"] != first["directory"]
    assert current_publication(SEG, cfg)["rows"] == 3
    assert {p.name: p.read_bytes() for p in first_dir.iterdir()} == before
