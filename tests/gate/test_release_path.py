"""The release path itself: one publication per export per run, Data Docs for every gate run."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from sehat.release import GateFailed, NotValidated, Release, releases
from sehat.release import exports as ex
from sehat.segments import segment_names
from tests.gate.snapshots import members, write_snapshot

SEG = "consulted_no_order_30d"


def _all_segments(cfg):
    from sehat.segments import get_segment

    write_snapshot(cfg, {name: members(3, len(get_segment(name).columns)) for name in segment_names()})


def _stub_the_loads_and_the_build(monkeypatch):
    """The in-process day without sources: the loads load nothing, dbt and the snapshot refresh are no-ops
    (the snapshot the test wrote is what the gate reads)."""
    import sehat.ingest.clevertap
    import sehat.ingest.labels
    import sehat.ingest.production
    import sehat.transform.dbt
    import sehat.warehouse

    report = SimpleNamespace(as_dict=dict, detail={"export_files": 1}, batch_date=date(2026, 11, 4))
    monkeypatch.setattr(sehat.ingest.clevertap, "ingest_day", lambda day, cfg, allow_shrink=None: report)
    monkeypatch.setattr(sehat.ingest.production, "extract_day", lambda day, cfg: [])
    monkeypatch.setattr(sehat.ingest.labels, "ingest_day", lambda day, cfg: [])
    monkeypatch.setattr(sehat.transform.dbt, "dbt_build", lambda **kwargs: report)
    monkeypatch.setattr(sehat.warehouse, "refresh_reader", lambda cfg: cfg.reader_path)


def test_a_daily_run_publishes_each_segment_once(sehat_home, monkeypatch):
    """``consulted_no_order_30d`` was gated and published twice per run, leaving a ``.2`` directory."""
    from sehat.daily import run_day

    _stub_the_loads_and_the_build(monkeypatch)
    _all_segments(sehat_home)

    out = run_day(date(2026, 11, 4), sehat_home, log=lambda _line: None)

    assert not out["results"]["publish_segments"]["failed"] and not out["results"]["validate_segments"]["failed"]
    for name in segment_names():
        root = ex.release_of(name, sehat_home).root
        assert sorted(p.name for p in root.iterdir()) == ["2026-11-04__inprocess__2026-11-04", "CURRENT"], name


def test_a_rejected_segment_fails_the_day_after_the_others_are_published(sehat_home, monkeypatch):
    """A small sample whose lead audience is empty: the other segments are still gated and published,
    and the in-process day ends with one line per rejected segment naming the check, the observed and
    expected values, the setting to change and the Data Docs (issue 25: it stopped at the first one)."""
    from sehat.daily import SegmentsRejected, run_day
    from sehat.segments import get_segment

    _stub_the_loads_and_the_build(monkeypatch)
    write_snapshot(sehat_home, {name: [] if name == SEG else members(3, len(get_segment(name).columns))
                                for name in segment_names()})

    with pytest.raises(SegmentsRejected) as err:
        run_day(date(2026, 11, 4), sehat_home, log=lambda _line: None)

    lines = str(err.value).splitlines()
    assert lines[0].startswith("1 segment(s) not published as of 2026-11-04")
    (line,) = [x for x in lines[1:] if x.strip()]
    assert line.startswith(f"  {SEG}: GateFailed")
    assert "expect_table_row_count_to_be_between(): observed 0, expected min_value=1" in line
    assert f"min_rows in dbt_project/segments/{SEG}.yml" in line
    docs = re.search(r"results: (\S+/index\.html)", line)
    assert docs and Path(docs.group(1)).exists()
    for name in segment_names():  # every other segment is live, the rejected one is not
        assert (ex.current_publication(name, sehat_home) is None) == (name == SEG), name


def test_min_rows_is_a_segment_setting(tmp_path):
    from sehat.segments import SegmentDefinitionError, parse_definition

    base = ("name: {n}\ndescription: d\nowner: a@b.c\ndestination: campaign_tool\nrefresh: daily\n"
            "condition: n_orders = 0\n")
    for text, expected in (("", 1), ("min_rows: 0\n", 0), ("min_rows: 25\n", 25), ("allow_empty: true\n", 0)):
        path = tmp_path / "s_min.yml"
        path.write_text(base.format(n="s_min") + text)
        assert parse_definition(path).as_segment().min_rows == expected, text
    path.write_text(base.format(n="s_min") + "allow_empty: true\nmin_rows: 5\n")
    with pytest.raises(SegmentDefinitionError, match="contradict"):
        parse_definition(path)


def test_a_name_given_twice_is_published_once(sehat_home):
    _all_segments(sehat_home)
    gate = ex.validate_many([SEG, SEG], "2026-11-04", "r1", sehat_home)
    assert gate["passed"] == [SEG]
    assert list(ex.publish_many([SEG, SEG], "r1", sehat_home)["published"]) == [SEG]
    assert len([p for p in ex.release_of(SEG, sehat_home).root.iterdir() if p.is_dir()]) == 1


def test_gate_runs_leave_offline_data_docs_for_failures_and_successes(sehat_home):
    _all_segments(sehat_home)
    ok = ex.validate_export(SEG, "2026-11-04", "good run", sehat_home)
    live = ex.publish_export(SEG, "good run", sehat_home)
    write_snapshot(sehat_home, {SEG: [("c1", "1", "x", "x", "x"), ("c1", "2", "x", "x", "x")]})
    with pytest.raises(GateFailed) as err:
        ex.validate_export(SEG, "2026-11-05", "bad run", sehat_home)

    good_docs, bad_docs = ok["data_docs"], err.value.result["data_docs"]
    assert live["gate"]["data_docs"] == good_docs and bad_docs in str(err.value)  # the alert names the page
    assert good_docs.rsplit("/", 3)[0] == bad_docs.rsplit("/", 3)[0]  # failures kept next to successes
    for path, status in ((good_docs, "Succeeded"), (bad_docs, "Failed")):
        html = Path(path).read_text()
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", html), "must open offline"
        text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script).*?</\1>", "", html, flags=re.DOTALL)).split())
        assert f"Status: {status}" in text and "values must be unique" in text  # the GX suite's page
        assert "expect_share_of_customers_at_most" in text and "expect_no_pii" in text  # and the other checks


def test_promotion_needs_a_passed_gate_and_keeps_the_live_publication(sehat_home):
    rel = Release("models", "toy", sehat_home)
    cand = rel.stage("r1")
    (cand / "model.bin").write_bytes(b"v1")
    with pytest.raises(NotValidated, match="no gate result"):
        rel.promote("r1", "v1")
    rel.record_gate("r1", {"passed": True, "checks": []})
    first = rel.promote("r1", "v1", {"data_snapshot": {"rows": 1}})
    assert rel.current() == first and rel.verify() == []
    assert first["files"]["model.bin"]["bytes"] == 2 and first["data_snapshot"] == {"rows": 1}

    (rel.stage("r2") / "model.bin").write_bytes(b"v2")
    rel.record_gate("r2", {"passed": False, "checks": []})
    with pytest.raises(NotValidated, match="did not pass"):
        rel.promote("r2", "v2")

    def broken_destination(staging, manifest):
        raise ConnectionError("campaign DB down")

    rel.record_gate("r2", {"passed": True, "checks": []})
    with pytest.raises(ConnectionError):
        rel.promote("r2", "v2", before_swap=broken_destination)
    assert rel.current()["publication_id"] == "v1"
    assert sorted(p.name for p in rel.root.iterdir()) == ["CURRENT", "v1"]  # no staging left behind
    assert [r.name for r in releases(sehat_home)] == ["toy"]
    (rel.root / "v1" / "model.bin").write_bytes(b"tampered")
    assert rel.verify() == ["model.bin"]
    assert json.loads((rel.root / "v1" / "manifest.json").read_text())["gate"]["passed"]


def test_sehat_published_lists_every_release_with_its_gate_results(sehat_home):
    from typer.testing import CliRunner

    from sehat.cli import app

    _all_segments(sehat_home)
    gate = ex.validate_export(SEG, "2026-11-04", "r1", sehat_home)
    ex.publish_export(SEG, "r1", sehat_home)
    rel = Release("models", "toy", sehat_home)
    (rel.stage("r1") / "model.bin").write_bytes(b"v1")
    rel.record_gate("r1", {"passed": True, "checks": []})
    rel.promote("r1", "v1")

    out = CliRunner().invoke(app, ["published"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert f"gate results (Data Docs): {gate['data_docs']}" in out.output
    assert f"segments/{SEG}: " in out.output and "models/toy: " in out.output
