"""Best achievable: rank each field by the generator's true probabilities, given what the model sees.

The oracle reads the planted parameters from the truth files only (``data/truth``):
``diagnosis_tendencies.parquet`` (per diagnosis: weight, specialities, season,
eligibility, complaint concepts and paraphrases, molecule / lab test / advice
probabilities, general advice), ``doctor_brand_preferences.parquet`` and the
population share of each chronic condition (``customers.parquet``).

It is held to the model's information (a fair ceiling): it sees the inputs of
the evaluation protocol (context, then the fields entered before the target) and,
for the patient, only the prescriptions written before the split (``history``,
the training file). A patient's hidden chronic condition is never read per
patient: the oracle infers it by Bayes from that history, starting from the
population share. Its Accuracy@k is then the ceiling a model can reach on that
data (approximately: the second-diagnosis mixture is folded into marginals).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml.prescriptions.data import normalise_vocab
from sehat.enrich.complaints import normalise_complaint

_NOTE_DX = (re.compile(r"Known case of (.+?)\?"), re.compile(r"explained (.+?)\."))
CHRONIC_SHARE = 0.6  # a chronic patient's consultation is about the chronic condition 60% of the time
SECOND_DX_SHARE = 0.2
COMPLAINT_SHARE = 0.6


def seasonal_factor(amplitude: float, peak_month: int, day: date) -> float:
    """The generator's seasonal multiplier (documented with the truth files)."""
    month = day.month - 1 + (day.day - 1) / 31
    return 1 + amplitude * math.cos(2 * math.pi * (month - (peak_month - 1)) / 12)


class _Dx:
    __slots__ = (
        "advice",
        "amplitude",
        "code",
        "complaints",
        "eligibility",
        "lab_tests",
        "molecules",
        "peak",
        "simple_name",
        "specialities",
        "weight",
    )

    def __init__(self, code: str, g: pd.DataFrame):
        first = g.iloc[0]
        self.code, self.simple_name, self.weight = code, first["simple_name"], float(first["weight"])
        self.specialities = set(first["specialities"])
        self.amplitude, self.peak, self.eligibility = float(first["season_amplitude"]), int(first["peak_month"]), \
            first["eligibility"]
        comp = g[g.field == "complaint"]
        self.complaints = list(dict.fromkeys(comp["concept"]))
        self.molecules = [(v, p) for v, p in g[g.field == "molecule"][["value", "probability"]].itertuples(index=False)]
        self.lab_tests = [(v, p) for v, p in g[g.field == "lab_test"][["value", "probability"]].itertuples(index=False)]
        self.advice = [(v, p) for v, p in g[g.field == "advice"][["value", "probability"]].itertuples(index=False)]

    def fits(self, age: int, gender: str) -> bool:
        if self.eligibility == "female_18_45":
            return gender == "F" and 18 <= age <= 45
        return not (self.eligibility == "adult" and age < 14)


class Oracle:
    def __init__(self, truth_dir: Path | str, history=None):
        truth = Path(truth_dir)
        prefs = pd.read_parquet(truth / "doctor_brand_preferences.parquet")
        self.prefs: dict[tuple[str, str], dict[str, float]] = {}
        for d, m, b, p in prefs[["doctor_id", "molecule", "brand", "probability"]].itertuples(index=False):
            self.prefs.setdefault((str(d), m), {})[b] = p
        tend = pd.read_parquet(truth / "diagnosis_tendencies.parquet")
        self.dx = [_Dx(code, g) for code, g in tend[tend.code != "*"].groupby("code", sort=False)]
        self.by_code = {d.code: d for d in self.dx}
        self.by_name = {d.simple_name: d for d in self.dx}
        self.general_advice = [normalise_vocab(a) for a in tend[tend.field == "general_advice"]["value"]]
        self.general_advice_p = float(tend[tend.field == "general_advice"]["probability"].sum() or 0.0)
        # complaint concept -> {key: share of paraphrases}
        self.concept_keys: dict[str, dict[str, float]] = {}
        self.key_concepts: dict[str, set[str]] = {}
        comp = tend[tend.field == "complaint"][["concept", "value"]].drop_duplicates()
        for c, g in comp.groupby("concept", sort=False):
            keys = [normalise_complaint(p.format(n=1)) for p in g["value"]]
            for k in keys:
                self.concept_keys.setdefault(c, {})[k] = self.concept_keys.get(c, {}).get(k, 0) + 1 / len(keys)
                self.key_concepts.setdefault(k, set()).add(c)
        # population share of each chronic condition (None: no chronic condition)
        cust = pd.read_parquet(truth / "customers.parquet", columns=["chronic_dx"])["chronic_dx"]
        shares = cust.fillna("").value_counts(normalize=True)
        self.chronic_prior = {(c or None): float(p) for c, p in shares.items()}
        self.history = self._history(history) if history is not None else {}
        self._chronic_cache: dict[str, dict[str | None, float]] = {}

    # ------------------------------------------------------------------ patient history (before the split)
    @staticmethod
    def _history(source) -> dict[str, list[tuple]]:
        from ml.prescriptions.data import _relation_sql

        con = duckdb.connect()
        rel = _relation_sql(con, source)
        cols = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
        if not {"patient_id", "speciality", "patient_age", "patient_gender"} <= cols.keys():
            return {}
        dx = "diagnoses" if cols["diagnoses"].endswith("[]") else "from_json(diagnoses, '[\"VARCHAR\"]')"
        rows = con.execute(f"""SELECT CAST(patient_id AS VARCHAR), speciality, TRY_CAST(patient_age AS INTEGER),
                                      patient_gender, CAST(prescribed_at AS DATE), {dx}
                               FROM {rel} WHERE patient_id IS NOT NULL AND len({dx}) > 0""").fetchall()
        con.close()
        out: dict[str, list[tuple]] = {}
        for u, s, age, g, day, codes in rows:
            out.setdefault(u, []).append(
                (s, age if age is not None else 30, g, day, [c.strip().upper() for c in codes]))
        return out

    def chronic_posterior(self, user_id) -> dict[str | None, float]:
        """P(patient's chronic condition | their prescriptions before the split), from the population share."""
        key = str(user_id)
        if key in self._chronic_cache:
            return self._chronic_cache[key]
        post = dict(self.chronic_prior)
        for s, age, g, day, codes in self.history.get(key, ()):
            for h in post:
                primary = self._primary(s, age, g, day, h)
                post[h] *= max(sum(primary.get(c, 0.0) for c in codes), 1e-6)
            z = sum(post.values())
            post = {h: p / z for h, p in post.items()}
        self._chronic_cache[key] = post
        return post

    # ------------------------------------------------------------------ diagnoses
    def _candidates(self, speciality: str, age: int, gender: str) -> list[_Dx]:
        return [d for d in self.dx if speciality in d.specialities and d.fits(age, gender)] or \
            [d for d in self.dx if d.code == "J06.9"]

    def _primary(self, speciality, age, gender, day, chronic: str | None) -> dict[str, float]:
        cands = self._candidates(speciality, age, gender)
        day = day.date() if isinstance(day, datetime) else day
        w = np.array([d.weight * seasonal_factor(d.amplitude, d.peak, day) for d in cands])
        w = w / w.sum()
        primary = dict(zip((d.code for d in cands), w))
        if chronic in primary:
            primary = {c: (1 - CHRONIC_SHARE) * p + (CHRONIC_SHARE if c == chronic else 0.0)
                       for c, p in primary.items()}
        return primary

    def prior(self, speciality: str, age: int, gender: str, day, user_id) -> dict[str, float]:
        """P(diagnosis is written | context, patient history): primary choice plus the 20% second diagnosis."""
        cands = self._candidates(speciality, age, gender)
        day = day.date() if isinstance(day, datetime) else day
        w = np.array([d.weight * seasonal_factor(d.amplitude, d.peak, day) for d in cands])
        pw = dict(zip((d.code for d in cands), w / w.sum()))
        out = {c: 0.0 for c in pw}
        for h, ph in self.chronic_posterior(user_id).items():
            for c, p in self._primary(speciality, age, gender, day, h).items():
                out[c] += ph * p
        return {c: p + SECOND_DX_SHARE * (1 - p) * pw[c] for c, p in out.items()}

    def _complaint_concepts(self, keys) -> set[str]:
        return set().union(*(self.key_concepts.get(k, set()) for k in keys)) if keys else set()

    def posterior(self, prior: dict[str, float], complaint_keys, notes: str | None) -> dict[str, float]:
        concepts = self._complaint_concepts(complaint_keys)
        named = None
        for pat in _NOTE_DX:
            m = pat.search(notes or "")
            if m and m.group(1) in self.by_name:
                named = self.by_name[m.group(1)].code
        post = {}
        for code, p in prior.items():
            d = self.by_code[code]
            like = 1.0
            for c in d.complaints:
                like *= COMPLAINT_SHARE if c in concepts else 1 - COMPLAINT_SHARE
            like *= 0.05 ** len(concepts - set(d.complaints))
            post[code] = p * like * (50.0 if named == code else 1.0)
        s = sum(post.values()) or 1.0
        return {c: v / s for c, v in post.items()}

    # ------------------------------------------------------------------ every field
    def scores(self, target: str, ctx: dict, seen: dict) -> dict[str, float]:
        """Oracle probability per value of ``target``; ``seen`` holds the visible fields (normalised)."""
        prior = self.prior(ctx["speciality"], ctx["age"], ctx["gender"], ctx["day"], ctx["user_id"])
        if target == "complaint":
            out: dict[str, float] = {}
            for code, p in prior.items():
                for c in self.by_code[code].complaints:
                    for k, share in self.concept_keys[c].items():
                        out[k] = out.get(k, 0.0) + p * COMPLAINT_SHARE * share
            return out
        if target == "diagnosis":
            return self.posterior(prior, seen.get("complaint"), ctx.get("notes"))
        codes = seen.get("diagnosis") or []
        if codes:
            mix = [(1.0, [self.by_code[c] for c in codes if c in self.by_code])]
        else:
            post = self.posterior(prior, seen.get("complaint"), ctx.get("notes"))
            mix = [(p, [self.by_code[c]]) for c, p in post.items()]
        out = {}
        for weight, dxs in mix:
            vals: dict[str, float] = {}
            for d in dxs:
                pairs = {"molecule": d.molecules, "brand": d.molecules, "lab_test": d.lab_tests,
                         "advice": d.advice}[target]
                for v, p in pairs:
                    v = v if target in ("molecule", "brand") else normalise_vocab(v)
                    vals[v] = 1 - (1 - vals.get(v, 0.0)) * (1 - p)
            if target == "advice":
                for a in self.general_advice:
                    vals[a] = vals.get(a, 0.0) + self.general_advice_p / len(self.general_advice)
            if target == "brand":
                brands: dict[str, float] = {}
                for m, pm in vals.items():
                    for b, pb in self.prefs.get((str(ctx["doctor_id"]), m), {}).items():
                        brands[b] = brands.get(b, 0.0) + pm * pb
                vals = brands
            for v, p in vals.items():
                out[v] = out.get(v, 0.0) + weight * p
        return out
