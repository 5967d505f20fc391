"""A small generated data set shared by the generator tests (seconds to build)."""

from __future__ import annotations

import gzip
import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from sehat.generate import GenerateConfig, generate

# small chunks and pages so that several files per (event, day) and several pages appear
SMALL = {
    "customers": 1500, "days": 3, "start": date(2026, 11, 1), "seed": 7, "chunk_lines": 400, "api_page_size": 150,
    "malformed_share": 0.02,  # enough malformed lines of every kind in a small run
}


@dataclass
class Generated:
    cfg: GenerateConfig
    summary: dict

    @property
    def export_dir(self) -> Path:
        return self.cfg.data_dir / "clevertap" / "export"

    @property
    def api_dir(self) -> Path:
        return self.cfg.data_dir / "clevertap" / "api"

    def export_lines(self) -> dict[str, list[str]]:
        """File name -> its lines (without newlines)."""
        return {p.name: gzip.decompress(p.read_bytes()).decode().splitlines()
                for p in sorted(self.export_dir.glob("*.json.gz"))}

    def records(self) -> list[dict]:
        """Every well-formed export record (duplicates included)."""
        out = []
        for lines in self.export_lines().values():
            for line in lines:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
        return out

    def query(self, sql: str) -> list[tuple]:
        db = sqlite3.connect(self.cfg.sqlite_path)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    cfg = GenerateConfig(data_dir=tmp_path_factory.mktemp("gen"), **SMALL)
    return Generated(cfg, generate(cfg))
