"""PrescriptionRecommender: weighted ensemble of recency-frequency models + Naive Bayes on notes.

* **Recency-frequency (RF) models**: for each target field and each conditioning
  feature (none = the global prior, context such as doctor or speciality, the
  values of other fields, and specific combinations such as diagnosis x doctor)
  the co-occurrence counts are weighted by ``0.5 ** (age_days / half_life_days)``
  and divided by the total weight of the condition: a probability distribution.
  All counting is DuckDB SQL over the ``rx``/``items`` tables (see ``data.load``);
  Python keeps the top ``top_k_stored`` values per condition.
* **Naive Bayes** (multinomial, Laplace ``nb_alpha``) on the note tokens, per target.
* **Ensemble**: per target a logistic regression over the models' probabilities,
  learned on the latest ``validation_share`` of the training period (counts
  re-done on the earlier part), then the counts are redone on everything. The
  learned coefficients are the ensemble weights (``weights_``).
* **ICD-10 back-off**: a diagnosis with fewer than ``backoff_min_support``
  weighted records borrows from its ICD-10 category (siblings + parent), then
  block, with weight ``backoff_discount``.
* **Two-step medicines**: molecules from the clinical context, then brands from
  each molecule and the prescribing doctor's own history, then catalogue
  strings from the brand and the patient's age band.
* **Doctor input**: rules (diagnosis, field, value, always/sometimes/never) applied last.

scikit-learn's contract: ``__init__`` stores parameters only (``top_n`` and ``entry_order`` say what
:meth:`~PrescriptionRecommender.predict` returns); ``fit(X)`` assigns every learned attribute (the
helpers return them); ``predict(X)`` / ``predict_proba(X)`` take prescriptions and check the model is
fitted. What the doctor's screen shows (display names, rules) is :func:`ml.prescriptions.suggest.suggest`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from ml.prescriptions import data as rxdata
from ml.prescriptions.features import (
    BACKOFF,
    FEATURE_FIELD,
    FEATURE_SQL,
    MODELS,
    RF_TARGETS,
    Query,
    dx_backoff_codes,
    query_features,
)
from sehat.enrich.complaints import normalise_complaint, note_tokens
from sehat.enrich.medicines import parse_medicine

TARGETS = rxdata.TARGETS

# fields an entry-order step may see when predicting each target (the evaluation protocol)
VISIBLE_BEFORE = {
    "complaint": set(),
    "diagnosis": {"complaint"},
    "molecule": {"complaint", "diagnosis"},
    "lab_test": {"complaint", "diagnosis", "molecule", "brand", "medicine"},
    "advice": {"complaint", "diagnosis", "molecule", "brand", "medicine", "lab_test"},
}
NOTES_VISIBLE = {"complaint": False, "diagnosis": True, "molecule": True, "lab_test": True, "advice": True}


@dataclass
class Table:
    """Counts of one (target, feature): fv -> (weight of the condition, value ids, co-occurrence weights)."""

    rows: dict[str, tuple[float, np.ndarray, np.ndarray]]


class PrescriptionRecommender(BaseEstimator):
    """Suggestions per prescription field. ``predict(X)``: the top ``top_n`` values per field;
    ``predict_proba(X)``: the probability of every value. ``entry_order``: each field sees only what a
    doctor enters before it (the evaluation protocol: complaints from the context, diagnoses adding
    complaints and notes, medicines adding diagnoses, ...); False (the default, the suggestion screen)
    uses every field given."""

    def __init__(self, half_life_days: float = 120.0, top_k_stored: int = 60, smoothing: float = 1.0,
                 backoff_min_support: float = 5.0, backoff_discount: float = 0.5, validation_share: float = 0.15,
                 max_validation: int = 2500, nb_alpha: float = 0.1, nb_min_df: int = 2, C: float = 1.0,
                 memory_limit: str | None = "3GB", random_state: int = 0, top_n: int = 10,
                 entry_order: bool = False):
        self.half_life_days = half_life_days
        self.top_k_stored = top_k_stored
        self.smoothing = smoothing
        self.backoff_min_support = backoff_min_support
        self.backoff_discount = backoff_discount
        self.validation_share = validation_share
        self.max_validation = max_validation
        self.nb_alpha = nb_alpha
        self.nb_min_df = nb_min_df
        self.C = C
        self.memory_limit = memory_limit
        self.random_state = random_state
        self.top_n = top_n
        self.entry_order = entry_order

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn from prescriptions ``X``: :class:`~ml.prescriptions.data.PrescriptionTables` made by
        :func:`ml.prescriptions.data.prepare` (with the catalogue and rules), or anything ``prepare``
        reads (path, DataFrame), prepared here without a catalogue. ``y`` is ignored."""
        t0 = time.perf_counter()
        own = not isinstance(X, rxdata.PrescriptionTables)
        tables = rxdata.prepare(X, memory_limit=self.memory_limit) if own else X
        tables.limit_memory(self.memory_limit)  # DuckDB spills the big joins beyond it (peak RSS ~ limit + model)
        con = tables.con.cursor()  # our temporary tables live and die with this cursor
        try:
            self.data_summary_ = dict(tables.summary)
            self.rules_ = list(tables.rules)
            _register_dx_parents(con)
            n = self.data_summary_["prescriptions"]
            cut = int(n * (1 - self.validation_share)) if self.validation_share > 0 else n
            timing = {"load_s": round(time.perf_counter() - t0, 2)}
            weights = None
            if 0 < cut < n:
                vars(self).update(self._count(con, cut))  # counts of the earlier part: what the weights see
                weights = self._learn_weights(tables, cut, n)
            timing["weights_s"] = round(time.perf_counter() - t0 - timing["load_s"], 2)
            vars(self).update(self._count(con, n))  # vocab_, index_, prior_, tables_, ... (see _count)
            self.display_ = self._display(con)
            # no validation period: generic -> specific by hand as a last resort
            self.weights_ = weights or {t: (np.array([0.2] + [1.0 + i for i in range(len(MODELS[t]))] + [1.0]), -4.0)
                                        for t in RF_TARGETS}
            self.period_ = [str(v) for v in
                            con.execute("SELECT min(prescribed_at), max(prescribed_at) FROM rx").fetchone()]
            timing["total_s"] = round(time.perf_counter() - t0, 2)
            self.timing_ = timing
        finally:
            con.close()
            if own:
                tables.close()
        return self

    def _count(self, con, upto: int) -> dict[str, object]:
        """All count tables on prescriptions with pid <= upto, recency-weighted: the learned attributes
        ``total_weight_``, ``vocab_``, ``index_``, ``prior_``, ``tables_``, the two-step tables
        (``brand_given_``, ``brand_given_doctor_``, ``medicine_given_``, ``medicine_given_age_``,
        ``molecule_of_``, ``brand_of_``) and Naive Bayes (``nb_vocab_``, ``nb_``), by name.

        Values are coded as their vocabulary index and conditions as a 64-bit hash of
        (feature, value), so the big join and aggregation run on integers; ``max_by(.., k)``
        keeps the top ``top_k_stored`` values per condition without a window over all pairs.
        """
        hl = float(self.half_life_days)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE w AS
            SELECT pid, exp(-ln(2) * (epoch(ref) - epoch(prescribed_at)) / 86400.0 / {hl}) AS w
            FROM rx, (SELECT max(prescribed_at) AS ref FROM rx WHERE pid <= {upto}) WHERE pid <= {upto}""")
        # vocabularies: value ids ordered by weighted frequency
        con.execute("""CREATE OR REPLACE TEMP TABLE vocab AS
            SELECT field, value, n, """
                    """CAST(row_number() OVER (PARTITION BY field ORDER BY n DESC, value) - 1 AS INTEGER) AS vid
            FROM (SELECT field, value, sum(w) AS n FROM items JOIN w USING (pid) GROUP BY ALL)""")
        total = con.execute("SELECT sum(w) FROM w").fetchone()[0] or 1.0
        vocab, index, prior = {}, {}, {}
        for f, values, ns in con.execute("SELECT field, list(value ORDER BY vid), list(n ORDER BY vid) FROM vocab "
                                         "GROUP BY field").fetchall():
            vocab[f] = values
            index[f] = {v: i for i, v in enumerate(values)}
            prior[f] = (np.asarray(ns, np.float64) / total).astype(np.float32)
        con.execute("""CREATE OR REPLACE TEMP TABLE it AS
            SELECT i.pid, i.field, i.value, v.vid, w.w """
                    """FROM items i JOIN w USING (pid) JOIN vocab v USING (field, value)""")
        feats = sorted({f for t in RF_TARGETS for f in MODELS[t]} | set(BACKOFF))
        con.execute("CREATE OR REPLACE TEMP TABLE feats AS " + " UNION ALL ".join(
            f"SELECT pid, '{f}' AS f, hash('{f}', fv) AS fid, fv, w FROM ({FEATURE_SQL[f]}) JOIN w USING (pid)"
            for f in feats))
        pairs = [(t, f) for t in RF_TARGETS for f in MODELS[t] + (BACKOFF if "diagnosis" in MODELS[t] else ())]
        con.register("_pairs", pd.DataFrame(pairs, columns=["t", "f"]))
        k = int(self.top_k_stored)
        con.execute("""CREATE OR REPLACE TEMP TABLE num AS
            SELECT p.t, x.f, x.fid, i.vid, sum(x.w) AS n
            FROM feats x JOIN _pairs p ON p.f = x.f JOIN it i ON i.pid = x.pid AND i.field = p.t
            GROUP BY ALL""")
        counts = con.execute(f"""
            WITH den AS (SELECT f, fid, any_value(fv) AS fv, sum(w) AS den FROM feats GROUP BY ALL),
            top AS (SELECT t, f, fid, max_by(struct_pack(vid := vid, n := n), n - vid * 1e-9, {k}) AS s """
                             f"""FROM num GROUP BY ALL)
            SELECT top.t, top.f, den.fv, den.den, list_transform(top.s, x -> x.vid), list_transform(top.s, x -> x.n)
            FROM top JOIN den USING (f, fid)""").fetchall()
        con.execute("DROP TABLE num")
        tables: dict[tuple[str, str], dict] = {}
        for t, f, fv, den, vs, ns in counts:
            tables.setdefault((t, f), {})[fv] = (float(den), np.asarray(vs, np.int32), np.asarray(ns, np.float32))
        nb_vocab, nb = self._naive_bayes(con, vocab, index)
        # two-step: brand | molecule (global and per doctor), catalogue string | brand (global and per age band)
        brands, medicines = index.get("brand", {}), index.get("medicine", {})
        return {
            "total_weight_": float(total), "vocab_": vocab, "index_": index, "prior_": prior, "tables_": tables,
            "brand_given_": _cond(con, """SELECT mm.molecule AS c, mm.brand AS v, w FROM it
                JOIN medicine_map mm ON mm.raw = it.value WHERE it.field = 'medicine'""", brands),
            "brand_given_doctor_": _cond(con, """SELECT mm.molecule || '|' || rx.doctor_id AS c, mm.brand AS v, w
                FROM it JOIN medicine_map mm ON mm.raw = it.value JOIN rx USING (pid)
                WHERE it.field = 'medicine'""", brands),
            "medicine_given_": _cond(con, """SELECT mm.brand AS c, it.value AS v, w FROM it
                JOIN medicine_map mm ON mm.raw = it.value WHERE it.field = 'medicine'""", medicines),
            "medicine_given_age_": _cond(con, """SELECT mm.brand || '|' || split_part(rx.agegender, ':', 1) AS c,
                it.value AS v, w FROM it JOIN medicine_map mm ON mm.raw = it.value JOIN rx USING (pid)
                WHERE it.field = 'medicine'""", medicines),
            "molecule_of_": dict(con.execute("SELECT raw, molecule FROM medicine_map").fetchall()),
            "brand_of_": dict(con.execute("SELECT raw, brand FROM medicine_map").fetchall()),
            "nb_vocab_": nb_vocab, "nb_": nb,
        }

    def _naive_bayes(self, con, vocab: dict, index: dict) -> tuple[dict[str, int], dict]:
        """Multinomial NB per target on note tokens: the token vocabulary, and per target the log prior
        and log likelihood matrix (tokens x values)."""
        tok = con.execute(f"""SELECT token FROM note_tokens nt JOIN w USING (pid) GROUP BY token
                              HAVING count(*) >= {int(self.nb_min_df)} ORDER BY token""").fetchall()
        nb_vocab = {t[0]: i for i, t in enumerate(tok)}
        con.register("_tok", pd.DataFrame({"token": list(nb_vocab), "j": range(len(nb_vocab))}))
        nb = {}
        a = float(self.nb_alpha)
        for t in RF_TARGETS:
            V, T = len(vocab.get(t, [])), len(nb_vocab)
            if V == 0 or T == 0:
                continue
            cnt = np.zeros((V, T), np.float32)
            rows = con.execute(f"""SELECT i.value, tk.j, sum(nt.n) FROM it i JOIN note_tokens nt USING (pid)
                JOIN _tok tk USING (token) WHERE i.field = '{t}' GROUP BY ALL""").fetchall()
            if not rows:
                continue
            idx = index[t]
            r = np.fromiter((idx[v] for v, _, _ in rows), np.int64, len(rows))
            c = np.fromiter((j for _, j, _ in rows), np.int64, len(rows))
            cnt[r, c] = np.fromiter((n for _, _, n in rows), np.float32, len(rows))
            docs = dict(con.execute(f"""SELECT i.value, count(DISTINCT i.pid) FROM it i
                WHERE i.field = '{t}' AND i.pid IN (SELECT pid FROM note_tokens) GROUP BY ALL""").fetchall())
            prior = np.array([docs.get(v, 0) for v in vocab[t]], np.float32) + 1.0
            loglik = np.log(cnt + a) - np.log(cnt.sum(axis=1, keepdims=True) + a * T)
            nb[t] = (np.log(prior / prior.sum()).astype(np.float32), loglik.T.copy())  # tokens x values
        return nb_vocab, nb

    @staticmethod
    def _display(con) -> dict[str, dict[str, str]]:
        """The most frequent raw text per normalised value (complaints, lab tests, advice) and the most
        frequent name given with a diagnosis (``diagnosis_descriptions``, a name beside the code, free text)."""
        rows = con.execute("""SELECT field, value, arg_max(raw, n) FROM
            (SELECT field, value, raw, count(*) AS n FROM items WHERE field IN ('complaint', 'lab_test', 'advice')
                OR (field = 'diagnosis' AND raw <> value) GROUP BY ALL) GROUP BY ALL""").fetchall()
        display: dict[str, dict[str, str]] = {}
        for f, v, raw in rows:
            display.setdefault(f, {})[v] = raw
        return display

    # ------------------------------------------------------------------ learned weights
    def _learn_weights(self, tables, cut: int, n: int) -> dict:
        rng = np.random.default_rng(self.random_state)
        pids = np.arange(cut + 1, n + 1)
        if len(pids) > self.max_validation:
            pids = np.sort(rng.choice(pids, self.max_validation, replace=False))
        queries = tables.queries(pids)
        weights = {}
        for t in RF_TARGETS:
            Xs, ys = [], []
            for q in queries:
                truth = set(q.items.get(t, []))
                if not truth:
                    continue
                for known, notes in ((VISIBLE_BEFORE[t], NOTES_VISIBLE[t]), (set(q.items) - {t}, True)):
                    x = self._model_matrix(t, q, known, notes)
                    if x is None:
                        continue
                    top = np.argsort(-x.sum(axis=0))[:60]
                    idx = self.index_[t]
                    y = np.zeros(len(top), np.int8)
                    pos = {idx[v] for v in truth if v in idx}
                    y[[i for i, c in enumerate(top) if c in pos]] = 1
                    Xs.append(x[:, top].T)
                    ys.append(y)
            if not Xs or len({int(v) for y in ys for v in y}) < 2:
                continue
            lr = LogisticRegression(C=self.C, max_iter=500, random_state=self.random_state)
            lr.fit(np.vstack(Xs), np.concatenate(ys))
            weights[t] = (lr.coef_[0].astype(np.float32), float(lr.intercept_[0]))
        for t in RF_TARGETS:
            weights.setdefault(
                t, (np.array([0.2] + [1.0 + i for i in range(len(MODELS[t]))] + [1.0], np.float32), -4.0))
        return weights

    # ------------------------------------------------------------------ prediction
    def _found(self, t: str, f: str, fvals: list[str]) -> tuple[list[tuple], list[np.ndarray], float, float]:
        """The rows of (t, f) found for ``fvals``: (count rows, back-off vectors, prior weight, support).

        A found count row contributes ``prior * a / (den + a) + counts / (den + a)``: its prior part
        is summed in the returned prior weight. A rare diagnosis contributes its back-off vector
        (:meth:`_backoff` mixes the prior in already); a value found neither way contributes nothing.
        """
        table = self.tables_.get((t, f))
        rows, backoffs, prior_w, support = [], [], 0.0, 0.0
        if not table:
            return rows, backoffs, prior_w, support
        a = self.smoothing
        for fv in fvals:
            row = table.get(fv)
            den = row[0] if row else 0.0
            if f == "diagnosis" and den < self.backoff_min_support:
                vec = self._backoff(t, fv, row)
                if vec is None:
                    continue
                backoffs.append(vec)
            elif row is None:
                continue
            else:
                rows.append(row)
                prior_w += a / (den + a)
            support += den
        return rows, backoffs, prior_w, support

    def _lookup(self, t: str, f: str, fvals: list[str]) -> tuple[np.ndarray | None, float]:
        """Mean smoothed distribution over the feature values found (None if none found), and support."""
        rows, backoffs, prior_w, support = self._found(t, f, fvals)
        found = len(rows) + len(backoffs)
        if not found:
            return None, support
        a, prior = self.smoothing, self.prior_[t]
        acc = np.zeros(len(prior), np.float32)
        for den, ids, ns in rows:
            acc[ids] += ns / (den + a)
        for vec in backoffs:
            acc += vec
        if prior_w:
            acc += prior * np.float32(prior_w)
        if found > 1:
            acc /= found
        return acc, support

    def _backoff(self, t: str, code: str, row) -> np.ndarray | None:
        """A rare/unseen ICD-10 code: its own counts plus its category's (siblings, parent), then block."""
        V, a, prior = len(self.vocab_[t]), self.smoothing, self.prior_[t]
        vec = np.zeros(V, np.float32)
        den = 0.0
        if row:
            den, ids, ns = row
            vec[ids] += ns
        weight = self.backoff_discount
        used = den > 0
        for f, fv in zip(BACKOFF, dx_backoff_codes(code)):
            prow = self.tables_.get((t, f), {}).get(fv) if fv else None
            if prow and prow[0] > 0:
                pden, pids_, pns = prow
                k = self.backoff_min_support * weight  # pseudo-records borrowed from the parent level
                vec[pids_] += pns / pden * k
                den += k
                used = True
                break
            weight *= self.backoff_discount
        if not used:
            return None
        out = prior * (a / (den + a))
        out += vec / (den + a)
        return out

    def _nb(self, t: str, tokens: list[str]) -> np.ndarray | None:
        nb = self.nb_.get(t)
        if nb is None or not tokens:
            return None
        js = [self.nb_vocab_[w] for w in tokens if w in self.nb_vocab_]
        if not js:
            return None
        logp = nb[0] + nb[1][js].sum(axis=0)
        logp = logp - logp.max()
        p = np.exp(logp)
        return p / p.sum()

    def _model_matrix(self, t: str, q: Query, known: set[str] | None, notes: bool) -> np.ndarray | None:
        """(1 + models + 1) x values: prior, each RF model (zeros when it has no data), Naive Bayes."""
        if t not in self.vocab_:
            return None
        feats = query_features(q, known)
        x = np.zeros((len(MODELS[t]) + 2, len(self.vocab_[t])), np.float32)
        x[0] = self.prior_[t]
        for i, f in enumerate(MODELS[t], start=1):
            need = FEATURE_FIELD[f]
            if need is None or known is None or need in known:
                vec, _ = self._lookup(t, f, feats[f])
                if vec is not None:
                    x[i] = vec
        nb = self._nb(t, q.tokens) if notes else None
        if nb is not None:
            x[-1] = nb
        return x

    def _predict_target(self, q: Query, t: str, known: set[str] | None = None, notes: bool = True,
                       p_molecule: np.ndarray | None = None, p_brand: np.ndarray | None = None) -> np.ndarray | None:
        """Probability that each value of target ``t`` belongs in the prescription (None: nothing known).

        ``t`` is one of the ensemble's targets (``RF_TARGETS``), ``"brand"`` or ``"medicine"`` (the
        catalogue string). ``p_molecule`` / ``p_brand``: the molecule / brand probabilities already
        computed for ``q`` (:meth:`predict_proba` passes them instead of predicting them twice).
        """
        if t == "brand":
            return self._brands(q, known, notes, p_molecule)
        if t == "medicine":
            if p_brand is None:
                p_brand = self._brands(q, known, notes, p_molecule)
            return self._medicines(q, p_brand)
        z = self._logit(t, q, known, notes)
        return None if z is None else 1.0 / (1.0 + np.exp(-z))

    def _logit(self, t: str, q: Query, known: set[str] | None, notes: bool) -> np.ndarray | None:
        """``coef @ _model_matrix(...) + b`` without building the matrix (suggest() runs this per keystroke).

        Every model's mean of smoothed rows is linear in its rows, so each found row goes, scaled by
        its model's coefficient, into one scatter (:func:`scatter`), and the prior parts into one
        scalar times the prior: a handful of numpy calls per target instead of a few per row.
        ``tests/ml/prescriptions/test_recommender.py`` checks it against the matrix.
        """
        if t not in self.vocab_:
            return None
        coef, b = self.weights_[t]
        prior, a = self.prior_[t], self.smoothing
        feats = query_features(q, known)
        prior_scale = float(coef[0])
        ids, vals, scales = [], [], []
        dense = None
        for i, f in enumerate(MODELS[t], start=1):
            need = FEATURE_FIELD[f]
            if not feats[f] or not (need is None or known is None or need in known):
                continue
            rows, backoffs, prior_w, _ = self._found(t, f, feats[f])
            found = len(rows) + len(backoffs)
            if not found:
                continue
            c = float(coef[i]) / found
            prior_scale += c * prior_w
            for den, row_ids, row_vals in rows:
                ids.append(row_ids)
                vals.append(row_vals)
                scales.append(c / (den + a))
            for vec in backoffs:
                dense = c * vec if dense is None else dense + c * vec
        z = prior * prior_scale + b
        if ids:
            z += scatter(len(prior), ids, vals, scales)
        if dense is not None:
            z += dense
        nb = self._nb(t, q.tokens) if notes else None
        if nb is not None:
            z += float(coef[-1]) * nb
        return z

    def predict_proba(self, X) -> list[dict[str, np.ndarray | None]]:
        """For each prescription of ``X``, the probability of every value of every field (``TARGETS`` and
        ``"medicine"``, the catalogue string; None: nothing known), over ``vocab_[field]``.

        ``X``: :class:`~ml.prescriptions.data.PrescriptionTables`, or a sequence of prescription dicts
        (the :func:`~ml.prescriptions.suggest.suggest` input) or :class:`Query` objects. Each field sees
        what ``entry_order`` allows; the molecule and brand steps are computed once per prescription.
        """
        check_is_fitted(self)
        out = []
        for q in self._queries(X):
            probs = {t: self._predict_target(q, t, *self._visible(t)) for t in RF_TARGETS}
            probs["brand"] = self._predict_target(q, "brand", *self._visible("brand"), p_molecule=probs["molecule"])
            probs["medicine"] = self._predict_target(q, "medicine", p_brand=probs["brand"])
            out.append(probs)
        return out

    def predict(self, X) -> list[dict[str, list[str]]]:
        """The top ``top_n`` values of each field in ``TARGETS`` for each prescription of ``X`` (as
        :meth:`predict_proba`), most probable first."""
        out = []
        for probs in self.predict_proba(X):
            out.append({t: [] if probs[t] is None else
                        [self.vocab_[t][j] for j in np.argsort(-probs[t], kind="stable")[: self.top_n]]
                        for t in TARGETS})
        return out

    def _queries(self, X) -> list[Query]:
        if isinstance(X, rxdata.PrescriptionTables):
            return X.queries()
        return [x if isinstance(x, Query) else self.query(x) for x in X]

    def _visible(self, t: str) -> tuple[set[str] | None, bool]:
        """(fields, notes?) target ``t`` sees: under ``entry_order`` what is entered before it (the brand
        step sees what the molecule step sees), else everything."""
        if not getattr(self, "entry_order", False):  # models pickled before it was a parameter: every field
            return None, True
        step = "molecule" if t == "brand" else t
        return VISIBLE_BEFORE[step], NOTES_VISIBLE[step]

    def query(self, rx: Mapping) -> Query:
        """A raw prescription dict -> the model's normalised :class:`Query`."""
        check_is_fitted(self)
        when = rx.get("prescribed_at")
        month = "?"
        if when:
            month = str((when if isinstance(when, (date, datetime)) else datetime.fromisoformat(str(when))).month)
        age = rx.get("patient_age")
        gender = rx.get("patient_gender") or "?"
        items: dict[str, list[str]] = {}

        def add(f: str, values: Iterable[str]) -> None:
            for v in values:
                if v and v not in items.setdefault(f, []):
                    items[f].append(v)

        add("complaint", (normalise_complaint(c) for c in rx.get("complaints") or ()))
        add("diagnosis", (rxdata.normalise_diagnosis(d) for d in rx.get("diagnoses") or ()))
        meds = [" ".join(str(m).split()) for m in rx.get("medicines") or ()]
        add("medicine", meds)
        for m in meds:
            brand = self.brand_of_.get(m) or parse_medicine(m).brand or m.upper()
            add("brand", [brand])
            add("molecule", [self.molecule_of_.get(m) or self._molecule_of_brand(brand)])
        add("lab_test", (rxdata.normalise_vocab(t) for t in rx.get("lab_tests") or ()))
        add("advice", (rxdata.normalise_vocab(a) for a in rx.get("advice") or ()))
        return Query(doctor=str(rx.get("doctor_id", "?")), patient=str(rx.get("patient_id") or "?"),
                     speciality=str(rx.get("speciality") or "?"), agegender=f"{rxdata.age_band(age)}:{gender}",
                     month=month, items=items, tokens=note_tokens(rx.get("notes")))

    def _molecule_of_brand(self, brand: str) -> str:
        for raw, b in self.brand_of_.items():
            if b == brand:
                return self.molecule_of_[raw]
        return brand

    def _brands(self, q: Query, known: set[str] | None, notes: bool,
                p_mol: np.ndarray | None = None) -> np.ndarray | None:
        """Step two: P(brand) = sum over the top molecules of P(molecule) * P(brand | molecule, doctor)."""
        if "brand" not in self.vocab_:
            return None
        if p_mol is None:
            p_mol = self._predict_target(q, "molecule", known, notes)
        if p_mol is None:
            return np.zeros(len(self.vocab_["brand"]), np.float32)
        return self._step(p_mol, self.vocab_["molecule"], 15, self.brand_given_, self.brand_given_doctor_,
                          str(q.doctor), self.smoothing, len(self.vocab_["brand"]))

    def _medicines(self, q: Query, p_brand: np.ndarray | None) -> np.ndarray | None:
        """Step three: P(catalogue string) = sum over the top brands of P(brand) * P(string | brand, age band)."""
        if p_brand is None or "medicine" not in self.vocab_:
            return None
        return self._step(p_brand, self.vocab_["brand"], 20, self.medicine_given_, self.medicine_given_age_,
                          q.agegender.split(":")[0], 1.0, len(self.vocab_["medicine"]))

    @staticmethod
    def _step(p_parent: np.ndarray, parent_vocab: list[str], top: int, given: dict, given_ctx: dict, ctx: str,
              a: float, size: int) -> np.ndarray:
        """``sum_parent P(parent) * P(child | parent, ctx)`` over the ``top`` parents, in one scatter.

        P(child | parent, ctx) = (ctx counts + a * global share) / (ctx weight + a); without ctx counts
        the global share alone. Used for brand | molecule, doctor and catalogue string | brand, age band.
        """
        ids, vals, scales = [], [], []
        for m in np.argsort(-p_parent)[:top].tolist():
            parent = parent_vocab[m]
            g = given.get(parent)
            if g is None:
                continue
            pm = float(p_parent[m])
            d = given_ctx.get(f"{parent}|{ctx}")
            ids.append(g[1])
            vals.append(g[2])
            if d is None:
                scales.append(pm / g[0])
            else:
                scales.append(pm * a / (g[0] * (d[0] + a)))
                ids.append(d[1])
                vals.append(d[2])
                scales.append(pm / (d[0] + a))
        return scatter(size, ids, vals, scales)


def _register_dx_parents(con) -> None:
    """Temp table ``dx_parents``: each diagnosis code with its ICD-10 category and block (the back-off)."""
    codes = [r[0] for r in con.execute("SELECT DISTINCT value FROM items WHERE field = 'diagnosis'").fetchall()]
    pairs = [dx_backoff_codes(c) for c in codes]
    con.register("_dxp", pd.DataFrame({"code": codes, "cat": [p[0] for p in pairs], "block": [p[1] for p in pairs]}))
    con.execute("CREATE OR REPLACE TEMP TABLE dx_parents AS SELECT * FROM _dxp")


def _cond(con, sql: str, idx: dict[str, int]) -> dict:
    """Condition -> (weight, value ids, weights) of ``sql``'s ``(c, v, w)`` rows; values coded by ``idx``."""
    rows = con.execute(f"""SELECT c, sum(n) AS den, list(v ORDER BY n DESC), list(n ORDER BY n DESC)
        FROM (SELECT c, v, sum(w) AS n FROM ({sql}) GROUP BY ALL) GROUP BY c""").fetchall()
    return {c: (float(den), np.fromiter((idx[v] for v in vs), np.int32, len(vs)), np.asarray(ns, np.float32))
            for c, den, vs, ns in rows}


def scatter(size: int, ids: list[np.ndarray], vals: list[np.ndarray], scales: list[float]) -> np.ndarray:
    """``sum_k scales[k] * (vals[k] scattered at ids[k])`` as one dense vector of ``size``, in one bincount."""
    if not ids:
        return np.zeros(size)
    weights = np.concatenate(vals) * np.repeat(scales, [len(x) for x in ids])
    return np.bincount(np.concatenate(ids), weights, minlength=size)
