"""The figure tables of the README and docs are what ``sehat bench report`` makes of the result files."""

from __future__ import annotations

import json
import shutil

import pytest

from sehat.bench.report import RESULTS_DIR, TABLES, render, update_documents
from sehat.config import REPO_ROOT


def test_every_figure_table_in_the_docs_matches_the_result_files():
    stale = update_documents(write=False)
    assert stale == [], f"run `make figures`: {[str(p.relative_to(REPO_ROOT)) for p in stale]} differ"


def test_the_docs_hold_every_table():
    text = "".join(p.read_text() for p in [REPO_ROOT / "README.md", *(REPO_ROOT / "docs").glob("*.md")])
    assert {name for name in TABLES if f"<!-- figures:{name} -->" in text} == set(TABLES)


def test_a_new_measurement_changes_the_table_and_nothing_else(tmp_path):
    results = tmp_path / "results"
    shutil.copytree(RESULTS_DIR, results)
    doc = "# Title\n\nProse 1.\n\n<!-- figures:readme -->\nold table\n<!-- /figures -->\n\nProse 2.\n"
    before = render(doc, results)
    payload = json.loads((results / "extraction.json").read_text())
    payload["figures"]["sehat_extract_rows_per_s"] = 123_456
    (results / "extraction.json").write_text(json.dumps(payload))
    after = render(doc, results)
    assert "old table" not in before and before != after
    assert "123k rows/s" in after and "123k rows/s" not in before
    assert after.startswith("# Title\n\nProse 1.\n\n<!-- figures:readme -->\n")
    assert after.endswith("<!-- /figures -->\n\nProse 2.\n")
    assert render(after, results) == after  # regenerating is stable


def test_a_stale_document_is_reported_and_rewritten(tmp_path):
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "x.md"
    doc.write_text("<!-- figures:sape-throughput -->\n| typed | by hand |\n<!-- /figures -->\n")
    assert update_documents(write=False, root=tmp_path) == [doc]
    assert "typed" in doc.read_text()
    assert update_documents(write=True, root=tmp_path) == [doc]
    assert "typed" not in doc.read_text() and "sentences scored per second" in doc.read_text()
    assert update_documents(write=False, root=tmp_path) == []


def test_an_unknown_table_name_fails():
    with pytest.raises(KeyError, match="unknown figure table"):
        render("<!-- figures:nope -->\n<!-- /figures -->\n")
