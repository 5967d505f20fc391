"""No file of the project points outside it: a user of the repository has neither the build
machines' paths nor the notes kept beside the repository, so docs and code cite what they rely
on from docs/design.md (and the source documents by title and publisher)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# built from pieces so this file does not match itself
FORBIDDEN = re.compile("|".join([
    re.escape("CONVENTIONS" + ".md"),
    re.escape(".." + "/shared"),
    re.escape("/" + "work/"),
    re.escape("/" + "home/"),
    re.escape("/" + "Users/"),
]))


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def references(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return []
    return [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}"
            for n, line in enumerate(text.splitlines(), 1) if FORBIDDEN.search(line)]


def test_no_tracked_file_points_outside_the_project():
    found = [hit for path in tracked_files() for hit in references(path)]
    assert found == []


def test_the_check_finds_each_kind_of_reference(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_references.ROOT", tmp_path)
    lines = ["see CONVENTIONS" + ".md", "`.." + "/shared/reference/001.txt`", "(/" + "work/shared/x)",
             "/" + "home/me/sehat", "docs/design.md is fine"]
    (tmp_path / "doc.md").write_text("\n".join(lines))
    assert [h.split(":")[1] for h in references(tmp_path / "doc.md")] == ["1", "2", "3", "4"]
