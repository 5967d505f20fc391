"""Best achievable: rank each field by the generator's true probabilities, given what the model sees.

The oracle knows the planted parameters (``data/truth``: doctor brand preferences,
customers' chronic diagnoses; ``sehat.generate.clinical``: diagnosis weights,
specialities, seasonality, complaint/molecule/test/advice tendencies) and sees
exactly the inputs of the evaluation protocol (context, then the fields entered
before the target). Its Accuracy@k is the ceiling a model can reach on that data
(approximately: the second-diagnosis mixture is folded into marginals).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ml.prescriptions.data import normalise_vocab
from ml.prescriptions.text import normalise_complaint

_NOTE_DX = (re.compile(r"Known case of (.+?)\?"), re.compile(r"explained (.+?)\."))


class Oracle:
    def __init__(self, truth_dir: Path | str):
        from sehat.generate.clinical import COMPLAINTS, DIAGNOSES, GENERAL_ADVICE

        truth = Path(truth_dir)
        prefs = pd.read_parquet(truth / "doctor_brand_preferences.parquet")
        self.prefs: dict[tuple[str, str], dict[str, float]] = {}
        for d, m, b, p in prefs.itertuples(index=False):
            self.prefs.setdefault((str(d), m), {})[b] = p
        cust = pd.read_parquet(truth / "customers.parquet", columns=["user_id", "chronic_dx"])
        self.chronic = {str(u): c for u, c in cust.itertuples(index=False) if c}
        self.dx = list(DIAGNOSES)
        self.by_name = {d.simple_name: d for d in DIAGNOSES}
        # complaint concept -> {key: share of paraphrases}
        self.concept_keys: dict[str, dict[str, float]] = {}
        self.key_concepts: dict[str, set[str]] = {}
        for c, paras in COMPLAINTS.items():
            keys = [normalise_complaint(p.format(n=1)) for p in paras]
            for k in keys:
                self.concept_keys.setdefault(c, {})[k] = self.concept_keys.get(c, {}).get(k, 0) + 1 / len(keys)
                self.key_concepts.setdefault(k, set()).add(c)
        self.general_advice = [normalise_vocab(a) for a in GENERAL_ADVICE]

    def prior(self, speciality: str, age: int, gender: str, day, user_id) -> dict[str, float]:
        """P(diagnosis is written | context): primary choice plus the 20% second diagnosis."""
        from sehat.generate.prescriptions import _fits
        from sehat.generate.world import seasonal_factor

        cands = [d for d in self.dx if speciality in d.specialities and _fits(d, age, gender)] or \
            [d for d in self.dx if d.code == "J06.9"]
        w = np.array([d.weight * seasonal_factor(d.season_amplitude, d.peak_month, day) for d in cands])
        w = w / w.sum()
        primary = dict(zip((d.code for d in cands), w))
        chronic = self.chronic.get(str(user_id))
        if chronic in primary:
            primary = {c: 0.4 * p + (0.6 if c == chronic else 0.0) for c, p in primary.items()}
        pw = dict(zip((d.code for d in cands), w))
        return {c: p + 0.2 * (1 - p) * pw[c] for c, p in primary.items()}

    def _dx(self, code):
        return next((d for d in self.dx if d.code == code), None)

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
            d = self._dx(code)
            like = 1.0
            for c in d.complaints:
                like *= 0.6 if c in concepts else 0.4
            like *= 0.05 ** len(concepts - set(d.complaints))
            post[code] = p * like * (50.0 if named == code else 1.0)
        s = sum(post.values()) or 1.0
        return {c: v / s for c, v in post.items()}

    def scores(self, target: str, ctx: dict, seen: dict) -> dict[str, float]:
        """Oracle probability per value of ``target``; ``seen`` holds the visible fields (normalised)."""
        prior = self.prior(ctx["speciality"], ctx["age"], ctx["gender"], ctx["day"], ctx["user_id"])
        if target == "complaint":
            out: dict[str, float] = {}
            for code, p in prior.items():
                for c in self._dx(code).complaints:
                    for k, share in self.concept_keys[c].items():
                        out[k] = out.get(k, 0.0) + p * 0.6 * share
            return out
        if target == "diagnosis":
            return self.posterior(prior, seen.get("complaint"), ctx.get("notes"))
        codes = seen.get("diagnosis") or []
        if codes:
            mix = [(1.0, [self._dx(c) for c in codes if self._dx(c)])]
        else:
            post = self.posterior(prior, seen.get("complaint"), ctx.get("notes"))
            mix = [(p, [self._dx(c)]) for c, p in post.items()]
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
                    vals[a] = vals.get(a, 0.0) + 0.3 / len(self.general_advice)
            if target == "brand":
                brands: dict[str, float] = {}
                for m, pm in vals.items():
                    for b, pb in self.prefs.get((str(ctx["doctor_id"]), m), {}).items():
                        brands[b] = brands.get(b, 0.0) + pm * pb
                vals = brands
            for v, p in vals.items():
                out[v] = out.get(v, 0.0) + weight * p
        return out
