"""Quality gate: nothing is published unless Great Expectations says yes.

The gate reads a segment from the read-only warehouse snapshot into a
DataFrame (GX 1.x cannot validate DuckDB through SQLAlchemy, see
docs/design.md; a segment is small and bounded), validates it, and stages a
*candidate* (the exact rows validated plus the validation result) for
``sehat.publish`` to promote. A failed validation raises :class:`GateFailed`
and stages nothing publishable.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from sehat.config import Settings, settings
from sehat.segments import Segment, get_segment
from sehat.warehouse import reader

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no phoning home from a health platform


@dataclass
class GateResult:
    segment: str
    run_id: str
    as_of: str
    passed: bool
    rows: int
    previous_rows: int | None
    checks: list[dict]
    candidate_dir: str

    def as_dict(self) -> dict:
        return asdict(self)

    def failures(self) -> list[dict]:
        return [c for c in self.checks if not c["success"]]


class GateFailed(RuntimeError):
    def __init__(self, result: GateResult):
        self.result = result
        lines = ", ".join(f"{c['expectation']}({c.get('column') or ''}): {c['observed']}" for c in result.failures())
        super().__init__(f"quality gate failed for segment {result.segment!r}, nothing published: {lines}")


def safe_run_id(run_id: str) -> str:
    """Airflow run ids hold ':' and '+'; keep them readable but path-safe."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


def candidate_dir(cfg: Settings, segment: str, run_id: str) -> Path:
    return cfg.publish_dir / ".candidates" / segment / safe_run_id(run_id)


def validate_many(names: list[str], as_of: date | str, run_id: str, cfg: Settings | None = None) -> dict:
    """Gate several exports independently: {"passed": [...], "failed": {name: message}}.

    A failure of one (including a relation missing from the snapshot) never stops the others.
    """
    passed, failed = [], {}
    for name in names:
        try:
            validate_segment(name, as_of, run_id, cfg)
            passed.append(name)
        except Exception as exc:  # noqa: BLE001 - each export is gated on its own; the caller reports
            failed[name] = f"{type(exc).__name__}: {exc}"
    return {"passed": passed, "failed": failed}


def build_suite(segment: Segment, previous_rows: int | None):
    """The expectations a segment (or any export) must meet to be published."""
    import great_expectations as gx

    e = gx.expectations
    suite = gx.ExpectationSuite(name=f"{segment.kind}_{segment.name}")
    suite.add_expectation(e.ExpectTableRowCountToBeBetween(min_value=segment.min_rows))
    suite.add_expectation(e.ExpectTableColumnsToMatchSet(column_set=list(segment.columns), exact_match=True))
    for key in segment.keys:
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=key))
    if len(segment.keys) == 1:
        suite.add_expectation(e.ExpectColumnValuesToBeUnique(column=segment.keys[0]))
    else:
        suite.add_expectation(e.ExpectCompoundColumnsToBeUnique(column_list=list(segment.keys)))
    if previous_rows:
        suite.add_expectation(
            e.ExpectTableRowCountToBeBetween(
                min_value=int(previous_rows / segment.max_size_change),
                max_value=int(previous_rows * segment.max_size_change) + 1,
            )
        )
    return suite


def validate_frame(df: pd.DataFrame, segment: Segment, previous_rows: int | None = None) -> list[dict]:
    """Run the segment's suite on ``df``; one dict per expectation."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("sehat").add_dataframe_asset(segment.name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(build_suite(segment, previous_rows))
    checks = []
    for r in result.results:
        cfg = r.expectation_config
        observed = r.result.get("observed_value", r.result.get("unexpected_count"))
        checks.append(
            {
                "expectation": cfg.type,
                "column": cfg.kwargs.get("column"),
                "kwargs": {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id",)},
                "success": bool(r.success),
                "observed": observed if isinstance(observed, (int, float, str, type(None))) else str(observed),
            }
        )
    checks.append(pii_check(df, segment))
    return checks


def pii_check(df: pd.DataFrame, segment: Segment) -> dict:
    """No column that identifies a person (hashed e-mail / phone only where the destination matches on them)."""
    from sehat.segments import HASHED_PII_COLUMNS, PII_COLUMNS

    forbidden = set(PII_COLUMNS) | (set() if segment.allowed_hashed_pii() else set(HASHED_PII_COLUMNS))
    found = sorted(c for c in df.columns if c.lower() in forbidden)
    return {
        "expectation": "expect_no_pii_columns",
        "column": None,
        "kwargs": {"forbidden": sorted(forbidden)},
        "success": not found,
        "observed": ", ".join(found) if found else "none",
    }


def validate_segment(name: str, as_of: date | str, run_id: str, cfg: Settings | None = None) -> GateResult:
    """Validate segment ``name`` from the snapshot and stage it as a publication candidate."""
    from sehat.publish import current_publication

    cfg = cfg or settings()
    segment = get_segment(name)
    with reader(cfg) as con:
        df = con.execute(f"SELECT * FROM {segment.relation} ORDER BY {', '.join(segment.keys)}").df()
    previous = current_publication(name, cfg)
    previous_rows = previous["rows"] if previous else None
    checks = validate_frame(df, segment, previous_rows)
    out = candidate_dir(cfg, name, run_id)
    result = GateResult(
        segment=name,
        run_id=run_id,
        as_of=str(as_of),
        passed=all(c["success"] for c in checks),
        rows=len(df),
        previous_rows=previous_rows,
        checks=checks,
        candidate_dir=str(out),
    )
    out.mkdir(parents=True, exist_ok=True)
    if result.passed:
        df.to_parquet(out / "members.parquet", index=False)
    else:
        (out / "members.parquet").unlink(missing_ok=True)
    (out / "validation.json").write_text(json.dumps(result.as_dict(), indent=2, default=str))
    if not result.passed:
        raise GateFailed(result)
    return result
