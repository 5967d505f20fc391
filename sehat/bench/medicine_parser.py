"""How well the medicine parser reads real-looking names: ``sehat prescriptions parse-eval``.

The labelled set is ``tests/fixtures/medicines/names.csv`` (written by the team: hand-written product
facts expanded into e-commerce, pharmacy, generic, RxNorm and Indonesian styles, plus hand-labelled
tricky names; see ``tests/fixtures/medicines/expand.py``), parsed with and without the catalogue
``tests/fixtures/medicines/catalogue.csv`` (name, brand, composition). It is a written set, not a public
catalogue: the figures say how the parser does on the styles we wrote down, no more.

Scored per name: brand, strength (as written, normalised), form, molecules (as a set), pack quantity
(where labelled); overall, per style, and on names that carry a strength. Figures go to
``benchmarks/results/medicine_parser.json``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from sehat.config import REPO_ROOT
from sehat.enrich.medicines import Catalogue, ParsedMedicine, parse_medicine

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "medicines"
FIELDS = ("brand", "strength", "form", "molecules", "pack_quantity")
TARGETS = {"strength": 0.95, "form": 0.97, "brand": 0.95, "molecules": 0.95}


def load_names(path: Path | None = None) -> list[dict]:
    with open(path or FIXTURES / "names.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_holdout(path: Path | None = None) -> list[dict]:
    """Names labelled by hand after the parser was written, never used to tune it; ``catalogued`` says
    whether the catalogue can know the molecules (its brand and molecules are in catalogue.csv)."""
    rows = load_names(path or FIXTURES / "holdout.csv")
    return [{**r, "style": "catalogued" if r["catalogued"] == "yes" else "not catalogued"} for r in rows]


def load_catalogue(path: Path | None = None) -> Catalogue:
    cat = Catalogue()
    with open(path or FIXTURES / "catalogue.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cat.add(name=row["name"], brand=row.get("brand"), composition=row.get("composition"))
    return cat


def _checks(row: dict, p: ParsedMedicine) -> dict[str, bool | None]:
    """field -> right, wrong, or None when the field is not labelled for this name."""
    want_mols = sorted(m for m in row["molecules"].split("+") if m)
    return {
        "brand": (p.brand or "") == row["brand"],
        "strength": (p.strength or "") == row["strength"],
        "form": (p.form or "") == row["form"],
        "molecules": sorted(p.molecules) == want_mols,
        "pack_quantity": (p.pack_quantity == float(row["pack_quantity"])) if row["pack_quantity"] else None,
    }


def score(rows: list[dict], catalogue: Catalogue | None) -> dict:
    """Accuracy per field (overall, per style, on names with a strength) and the wrong readings."""
    right: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    wrong: list[dict] = []
    given_wrong = 0  # molecules given but wrong: worse than none (a wrong molecule misleads the recommender)
    for row in rows:
        p = parse_medicine(row["name"], catalogue)
        checks = _checks(row, p)
        given_wrong += int(bool(p.molecules) and not checks["molecules"])
        for field, ok in checks.items():
            if ok is None:
                continue
            for group in ("all", f"style:{row['style']}") + (("with strength",) if row["strength"] else ()):
                right[group][field][0] += int(ok)
                right[group][field][1] += 1
        if not all(ok is not False for ok in checks.values()):
            wrong.append({"name": row["name"], "style": row["style"],
                          "fields": [f for f, ok in checks.items() if ok is False],
                          "got": {"brand": p.brand, "strength": p.strength, "form": p.form,
                                  "molecules": list(p.molecules), "pack_quantity": p.pack_quantity},
                          "want": {k: row[k] for k in FIELDS}})

    def acc(counts: dict[str, list[int]]) -> dict:
        return {f: {"accuracy": round(ok / n, 4), "n": n} for f, (ok, n) in counts.items() if n}

    return {
        "names": len(rows),
        "overall": acc(right["all"]),
        "with_strength": acc(right["with strength"]),
        "molecules_given_but_wrong": given_wrong,
        "by_style": {g.removeprefix("style:"): acc(c) for g, c in sorted(right.items()) if g.startswith("style:")},
        "wrong": wrong,
    }


def evaluate(names: Path | None = None, catalogue: Path | None = None) -> dict:
    """The parser on the labelled set, with the catalogue and without it; targets checked with it."""
    rows = load_names(names)
    cat = load_catalogue(catalogue)
    with_cat, without = score(rows, cat), score(rows, None)
    holdout = load_holdout()
    held_cat, held_without = score(holdout, cat), score(holdout, None)
    targets = {f: {"target": t, "accuracy": with_cat["overall"][f]["accuracy"],
                   "met": with_cat["overall"][f]["accuracy"] >= t} for f, t in TARGETS.items()}
    return {
        "data": "tests/fixtures/medicines/names.csv: a labelled set written by the team (hand-written facts "
                "expanded into e-commerce, pharmacy, generic, RxNorm and Indonesian styles, plus hand-labelled "
                "tricky names), not a public catalogue",
        "names": len(rows),
        "styles": {s: sum(1 for r in rows if r["style"] == s) for s in sorted({r["style"] for r in rows})},
        "catalogue_rows": len(cat.names),
        "targets": targets,
        "with_catalogue": {k: v for k, v in with_cat.items() if k != "wrong"},
        "without_catalogue": {k: v for k, v in without.items() if k != "wrong"},
        "wrong_with_catalogue": with_cat["wrong"],
        "holdout": {
            "data": "tests/fixtures/medicines/holdout.csv: names labelled by hand after the parser was written and "
                    "not used to tune it (by_style: whether the catalogue knows the product's molecules)",
            "names": len(holdout),
            "with_catalogue": {k: v for k, v in held_cat.items() if k != "wrong"},
            "without_catalogue": {k: v for k, v in held_without.items() if k != "wrong"},
            "wrong_with_catalogue": held_cat["wrong"],
        },
    }


def run(command: str = "sehat prescriptions parse-eval") -> tuple[dict, Path]:
    """Evaluate and write ``benchmarks/results/medicine_parser.json``."""
    from sehat.bench.results import write_results

    figures = evaluate()
    return figures, write_results("medicine_parser", figures, command)


def summary(figures: dict) -> str:
    """A Markdown table of the figures (also the docs' generated table)."""
    fields = ("brand", "strength", "form", "molecules")
    held = figures["holdout"]
    rows = [
        ("labelled set, with the catalogue", figures["with_catalogue"]["overall"], figures["names"]),
        ("labelled set, without the catalogue", figures["without_catalogue"]["overall"], figures["names"]),
        ("held-out names, with the catalogue", held["with_catalogue"]["overall"], held["names"]),
        ("held-out names the catalogue knows", held["with_catalogue"]["by_style"].get("catalogued", {}),
         held["with_catalogue"]["by_style"].get("catalogued", {}).get("brand", {}).get("n", 0)),
    ]
    lines = ["| names | n | " + " | ".join(fields) + " |", "| --- | ---: |" + " ---: |" * len(fields)]
    for label, acc, n in rows:
        lines.append(f"| {label} | {n:,} | " + " | ".join(
            f"{acc[f]['accuracy'] * 100:.1f}%" if f in acc else "-" for f in fields) + " |")
    targets = ", ".join(f"{f} >= {t['target'] * 100:.0f}% ({'met' if t['met'] else 'not met'})"
                        for f, t in figures["targets"].items())
    return "\n".join(lines) + f"\n\nTargets (labelled set, with the catalogue): {targets}.\n"
