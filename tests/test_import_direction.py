"""Imports run one way: production code never imports the generator or the benchmarks.

``sehat.generate`` (the sample generator) and ``sehat.bench`` (benchmark and test tooling, which may
use the generator) sit beside the product; only they and the top command line may import the
generator, and nothing under ``ml/`` may import the benchmarks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("sehat", "ml", "dags", "plugins", "dbt_project")
# the generator itself, the benchmarks, and the CLI entries that run them
MAY_IMPORT_GENERATOR = ("sehat/generate/", "sehat/bench/", "sehat/cli.py")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def production_files() -> list[Path]:
    return sorted(p for top in PRODUCTION for p in (ROOT / top).rglob("*.py")
                  if ".venv" not in p.parts and "target" not in p.parts)


def _imports(modules: set[str], package: str) -> set[str]:
    return {m for m in modules if m == package or m.startswith(package + ".")}


def test_production_code_never_imports_the_generator():
    offenders = {}
    for path in production_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(MAY_IMPORT_GENERATOR):
            continue
        found = _imports(imported_modules(path), "sehat.generate")
        if found:
            offenders[rel] = sorted(found)
    assert offenders == {}, "contracts production code needs belong in sehat/sources/"


def test_ml_does_not_import_the_benchmarks():
    offenders = {p.relative_to(ROOT).as_posix(): sorted(_imports(imported_modules(p), "sehat.bench"))
                 for p in (ROOT / "ml").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("source, flagged", [
    ("from sehat.generate.chats import CATEGORIES\n", True),
    ("import sehat.generate\n", True),
    ("from sehat import generate\n", True),
    ("def f():\n    from sehat.generate import labels\n", True),
    ("from sehat.sources.chats import CATEGORIES\n", False),
    ("from sehat import generated_names\n", False),
])
def test_the_check_sees_every_kind_of_import(tmp_path, source, flagged):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert bool(_imports(imported_modules(path), "sehat.generate")) is flagged
