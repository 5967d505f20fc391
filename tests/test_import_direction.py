"""Imports run one way: production code never imports the generator or the benchmarks.

``sehat.generate`` (the sample generator) and ``sehat.bench`` (benchmark and test tooling, which may
use the generator) sit beside the product; only they and the top command line may import the
generator, and nothing under ``ml/`` may import the benchmarks. ``ml/`` never imports the release
path nor the command lines; inside ``sehat/transform/`` the modules import one way.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"
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


# ml <- release: the release path stages, gates and publishes what ml trains, so ml never imports
# it, nor the command lines and the API on top (sehat/cli.py, sehat/commands/, sehat/api.py), which
# use both.
ABOVE_ML = ("sehat.release", "sehat.cli", "sehat.commands", "sehat.api")


def test_ml_never_imports_sehat_release_nor_the_command_lines():
    offenders = {}
    for path in (ROOT / "ml").rglob("*.py"):
        if found := {m for package in ABOVE_ML for m in _imports(imported_modules(path), package)}:
            offenders[path.relative_to(ROOT).as_posix()] = sorted(found)
    assert offenders == {}


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


# The transform layer (the enrichment step and dbt) never imports ml/: ml.prescriptions imports
# sehat.enrich, not the reverse, and dbt has no Python models (dbt-spark's session method and
# dbt-postgres cannot run them).
TRANSFORM_LAYER = ("sehat/enrich/", "sehat/transform/", "dbt_project/")
_IMPORTS_ML = re.compile(r"^\s*(?:from|import)\s+ml(?:\.|\s|$)", re.MULTILINE)


def test_the_dbt_project_has_no_python_models():
    models = DBT_PROJECT / "models"
    assert models.is_dir() and list(models.rglob("*.sql"))
    assert sorted(p.relative_to(ROOT).as_posix() for p in models.rglob("*.py")) == []


def test_the_transform_layer_never_imports_ml():
    offenders = {}
    for path in production_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(TRANSFORM_LAYER) and (found := _imports(imported_modules(path), "ml")):
            offenders[rel] = sorted(found)
    project_files = (p for p in DBT_PROJECT.rglob("*") if p.is_file() and p.suffix != ".csv"
                     and not {"target", "logs"} & set(p.relative_to(DBT_PROJECT).parts))
    for path in project_files:  # Jinja, yml, SQL: no Python model or macro may name ml either
        if _IMPORTS_ML.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders[path.relative_to(ROOT).as_posix()] = ["ml"]
    assert offenders == {}


@pytest.mark.parametrize("source, flagged", [
    ("def model(dbt, session):\n    from ml.prescriptions.mart import complaint_keys\n", True),
    ("import ml\n", True),
    ("from sehat.enrich.step import enrich\n", False),
    ("from mlflow import log_metric\n", False),
])
def test_the_ml_check_sees_python_model_imports(tmp_path, source, flagged):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert bool(_imports(imported_modules(path), "ml")) is flagged
    assert bool(_IMPORTS_ML.search(source)) is flagged


# Inside sehat/transform/ imports run one way (each module may import only those before it), so each
# module reads alone: parity stands apart, spark knows only the settings, lake uses spark, dbt uses both.
TRANSFORM_ORDER = ("parity", "spark", "lake", "dbt")


def _transform_modules_imported(path: Path) -> set[str]:
    """Modules of sehat.transform that ``path`` imports (``from . import x`` counted too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    relative: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            relative |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    found = {m.split(".")[2] for m in _imports(imported_modules(path), "sehat.transform") if m.count(".") >= 2}
    return found | relative


def test_the_transform_package_imports_run_one_way():
    package = ROOT / "sehat" / "transform"
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "__main__"}
    assert modules == set(TRANSFORM_ORDER), "place a new module of sehat/transform/ in TRANSFORM_ORDER"
    offenders = {}
    for rank, name in enumerate(TRANSFORM_ORDER):
        if wrong := _transform_modules_imported(package / f"{name}.py") - set(TRANSFORM_ORDER[:rank]):
            offenders[name] = sorted(wrong)
    assert offenders == {}
    assert _transform_modules_imported(package / "__init__.py") == set()  # a map, not a hub


@pytest.mark.parametrize("source, found", [
    ("def f():\n    from sehat.transform.dbt import ensure_manifest\n", {"dbt"}),
    ("from sehat.transform import lake\n", {"lake"}),
    ("import sehat.transform.spark\n", {"spark"}),
    ("from . import lake\n", {"lake"}),
    ("from .lake import synced_sources\n", {"lake"}),
    ("from sehat.config import settings\n", set()),
])
def test_the_transform_check_sees_every_kind_of_import(tmp_path, source, found):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert _transform_modules_imported(path) == found
