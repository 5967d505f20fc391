"""HTTP suggestions of the prescription recommender: ``GET /health``, ``POST /suggest`` (FastAPI) on the published
model.

Run: ``uvicorn sehat.api:app`` (reads ``$SEHAT_PUBLISH_DIR/models/prescriptions/CURRENT``;
``SEHAT_RX_MODEL`` points at a model.pkl instead). The live version is re-checked at most once a second
and reloaded when CURRENT (or the file) changes. Serve with several workers on a multi-core host:
``uvicorn sehat.api:app --workers 2`` (each worker holds the model, ~30 MB at 1M prescriptions).
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import to_json

from ml.prescriptions.job import load
from ml.prescriptions.suggest import load_rules, suggest
from sehat.release import prescriptions as release

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
    def _diagnosis_values(cls, v: list[str]) -> list[str]:
        """ICD-10 codes, SNOMED CT ids and free text are all accepted (``sehat.enrich.diagnoses``
        tells them apart); only blank values are refused."""
        if any(not c.strip() for c in v):
            raise ValueError("diagnoses must not be blank")
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
                self.model, self.version, self.key = load(Path(path)), path, key
            return self.model
        live = release.current()
        if live is None:
            raise HTTPException(503, "no published prescription model yet")
        if live["publication_id"] != self.version:
            self.model = load(Path(live["path"]) / "model.pkl")
            self.version = live["publication_id"]
        return self.model


live = _Live()
app = FastAPI(title="Sehat prescription suggestions", version="1.0", docs_url=None, redoc_url=None)


# ------------------------------------------------------------------ offline docs
# FastAPI's default /docs loads Swagger UI from a CDN, so it is blank without internet. The assets
# ship in the swagger-ui-bundle package and are served by the API itself (FastAPI's "self-hosting
# JavaScript and CSS for docs" recipe).
def _mount_offline_docs(api: FastAPI) -> None:
    from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    api.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @api.get("/docs", include_in_schema=False)
    def swagger_ui():
        return get_swagger_ui_html(
            openapi_url=api.openapi_url, title=f"{api.title} - Swagger UI",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png")

    @api.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect():
        return get_swagger_ui_oauth2_redirect_html()


_mount_offline_docs(app)


@app.get("/health")
def health() -> dict:
    """Liveness and the live model version; ``worker_pid`` says which server worker answered (the
    benchmark spreads its connections evenly over the workers with it)."""
    try:
        live.get()
        return {"status": "ok", "model_version": live.version, "worker_pid": os.getpid()}
    except HTTPException as exc:
        return {"status": "no_model", "detail": exc.detail, "worker_pid": os.getpid()}


@app.post("/suggest", openapi_extra={"requestBody": {"required": True, "content": {
    "application/json": {"schema": Prescription.model_json_schema(ref_template="#/components/schemas/{model}")}}}})
async def suggest_endpoint(request: Request) -> Response:
    """Top-n suggestions per field.

    The lean path, because this is called after every doctor entry: the raw bytes are parsed and
    validated in one pass by pydantic-core (``model_validate_json``) instead of FastAPI's body
    parameter (``json.loads`` then a generic validation); a failure is re-raised as FastAPI's own
    ``RequestValidationError``, so the 422 keeps the usual ``detail`` list (``loc`` starting with
    ``body``, the validator's message). ``async`` because suggest() is CPU-light (under 1 ms): it runs
    on the event loop without a threadpool hop. The answer (plain str/float/None) is serialised once
    by pydantic-core's ``to_json``: 23 us against 85 us for ``json.dumps`` on a 6 KB answer, with no
    orjson dependency. The schema is still published in OpenAPI (``openapi_extra``).
    """
    try:
        rx = Prescription.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
    model = live.get()
    body = rx.model_dump(exclude={"n"})
    out = {"model_version": live.version, "suggestions": suggest(model, body, n=rx.n, rules=live.rules)}
    return Response(to_json(out), media_type="application/json")
