"""HTTP suggestions: ``GET /health``, ``POST /suggest`` (FastAPI) on the published model.

Run: ``uvicorn ml.prescriptions.api:app`` (reads ``$SEHAT_PUBLISH_DIR/models/prescriptions/CURRENT``;
``SEHAT_RX_MODEL`` points at a model.pkl instead). The live version is re-checked at most once a second
and reloaded when CURRENT (or the file) changes. Serve with several workers on a multi-core host:
``uvicorn ml.prescriptions.api:app --workers 2`` (each worker holds the model, ~30 MB at 1M prescriptions).
"""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ml.prescriptions import artifact
from ml.prescriptions.suggest import load_rules, suggest

Text = Annotated[str, Field(min_length=1, max_length=300)]


class Prescription(BaseModel):
    """A (partial) prescription; every field optional."""

    model_config = ConfigDict(extra="forbid")
    doctor_id: int | str | None = None
    patient_id: int | str | None = None
    speciality: str | None = None
    patient_age: Annotated[int, Field(ge=0, le=130)] | None = None
    patient_gender: str | None = Field(default=None, pattern="^(M|F)$")
    prescribed_at: date | None = None
    complaints: list[Text] = Field(default_factory=list, max_length=50)
    diagnoses: list[Text] = Field(default_factory=list, max_length=50)
    medicines: list[Text] = Field(default_factory=list, max_length=50)
    lab_tests: list[Text] = Field(default_factory=list, max_length=50)
    advice: list[Text] = Field(default_factory=list, max_length=50)
    notes: Annotated[str, Field(max_length=5000)] | None = None
    n: Annotated[int, Field(ge=1, le=50)] = 10

    @field_validator("diagnoses")
    @classmethod
    def _icd10_shape(cls, v: list[str]) -> list[str]:
        import re

        bad = [c for c in v if not re.fullmatch(r"[A-Za-z]\d{2}(\.\d{1,2})?", c.strip())]
        if bad:
            raise ValueError(f"diagnoses must be ICD-10 codes like 'E11.9', got {bad}")
        return v


class _Live:
    def __init__(self):
        self.key = None
        self.model = None
        self.version = None
        self.rules = load_rules()

    CHECK_EVERY_S = 1.0  # how often the live version is re-checked (not on every request)

    def get(self):
        now = time.monotonic()
        if self.model is not None and now - getattr(self, "_checked", 0.0) < self.CHECK_EVERY_S:
            return self.model
        self._checked = now
        path = os.environ.get("SEHAT_RX_MODEL")
        if path:
            key = (path, Path(path).stat().st_mtime)
            if key != self.key:
                self.model, self.version, self.key = artifact.load(Path(path)), path, key
            return self.model
        pointer = artifact.model_dir() / "CURRENT"
        if not pointer.exists():
            raise HTTPException(503, "no published prescription model yet")
        version = pointer.read_text().strip()
        if version != self.version:
            self.model = artifact.load(artifact.model_dir() / version / "model.pkl")
            self.version = version
        return self.model


live = _Live()
app = FastAPI(title="Sehat prescription suggestions", version="1.0")


@app.get("/health")
def health() -> dict:
    try:
        live.get()
        return {"status": "ok", "model_version": live.version}
    except HTTPException as exc:
        return {"status": "no_model", "detail": exc.detail}


@app.post("/suggest")
async def suggest_endpoint(rx: Prescription) -> Response:
    """Top-n suggestions per field. ``async``: suggest() is CPU-light (about 1 ms), so it runs on the
    event loop without a threadpool hop; the body is plain str/float/None, dumped once with json
    (no jsonable_encoder pass over every suggestion)."""
    model = live.get()
    body = rx.model_dump(exclude={"n"})
    out = {"model_version": live.version, "suggestions": suggest(model, body, n=rx.n, rules=live.rules)}
    return Response(json.dumps(out, ensure_ascii=False, separators=(",", ":")), media_type="application/json")
