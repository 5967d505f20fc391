"""The labelled medicine names (tests/fixtures/medicines) and the parser's evaluation on them."""

from __future__ import annotations

import ast
import csv
import importlib.util
import json
from pathlib import Path

from sehat.bench import medicine_parser as mp
from sehat.bench.results import write_results

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "medicines"


def _expand_module():
    spec = importlib.util.spec_from_file_location("medicine_names_expand", FIXTURES / "expand.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_names_are_what_the_facts_expand_to(tmp_path):
    _expand_module().main(tmp_path)
    for name in ("names.csv", "catalogue.csv"):
        assert (tmp_path / name).read_text() == (FIXTURES / name).read_text(), f"re-run expand.py ({name} is stale)"


def test_the_expansion_does_not_use_the_parser():
    tree = ast.parse((FIXTURES / "expand.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m and m.startswith(("sehat", "ml")) for m in imported), imported


def test_the_set_is_large_varied_and_labelled():
    rows = mp.load_names()
    styles = {r["style"] for r in rows}
    assert len(rows) >= 2000 and len({r["name"] for r in rows}) == len(rows)
    assert sum(r["style"] == "tricky" for r in rows) >= 60
    assert {"ecommerce", "ecommerce+pack", "pharmacy", "generic", "indonesian", "rxnorm clinical",
            "rxnorm branded"} <= styles
    assert all(r["brand"] and r["form"] for r in rows)
    forms = {r["form"] for r in rows}
    assert {"tablet", "capsule", "syrup", "oral suspension", "drops", "injection", "infusion", "cream", "gel",
            "ointment", "inhaler", "respules", "rotacaps", "sachet", "lotion", "nasal spray", "eye drops"} <= forms
    with open(FIXTURES / "holdout.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) >= 100


def test_score_counts_right_and_wrong_readings():
    rows = [{"name": "Dolo 650 Tablet", "style": "a", "brand": "DOLO", "strength": "650", "form": "tablet",
             "molecules": "", "pack_quantity": ""},
            {"name": "Dolo 650 Tablet", "style": "a", "brand": "DOLO 650", "strength": "", "form": "tablet",
             "molecules": "", "pack_quantity": "15"}]
    s = mp.score(rows, None)
    assert s["overall"]["brand"] == {"accuracy": 0.5, "n": 2} and s["overall"]["form"]["accuracy"] == 1.0
    assert s["overall"]["pack_quantity"] == {"accuracy": 0.0, "n": 1}
    assert [w["fields"] for w in s["wrong"]] == [["brand", "strength", "pack_quantity"]]


def test_the_parser_meets_its_targets_on_the_labelled_set(tmp_path):
    figures = mp.evaluate()
    assert all(t["met"] for t in figures["targets"].values()), figures["targets"]
    held = figures["holdout"]["with_catalogue"]
    known = held["by_style"]["catalogued"]
    assert known["brand"]["accuracy"] >= 0.95 and known["molecules"]["accuracy"] >= 0.9
    assert held["molecules_given_but_wrong"] <= 2  # unknown beats wrong
    out = write_results("medicine_parser", figures, "test", results_dir=tmp_path)
    assert json.loads(out.read_text())["figures"]["names"] == figures["names"]
    assert "labelled set, with the catalogue" in mp.summary(figures)
