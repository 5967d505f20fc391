"""Per-customer recommendations from buying patterns: item-item co-purchase + own history.

score(c, i) = sum over items j the customer bought of sim(j, i)              (co-purchase)
            + history_weight * share of the customer's baskets holding i     (own history: refills)

``sim`` is the cosine similarity of item columns of the customer x item
incidence matrix (how often two items are bought by the same customers,
normalised by how popular each is). Items nobody co-bought are filled from the
popularity ranking so every customer gets ``k`` items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize


class CoPurchaseRecommender(BaseEstimator):
    def __init__(self, history_weight: float = 1.0, neighbours: int = 50):
        self.history_weight = history_weight
        self.neighbours = neighbours

    def fit(self, interactions: pd.DataFrame, y=None):
        """``interactions``: columns customer, item (one row per purchase line; repeats count)."""
        df = interactions[["customer", "item"]]
        self.items_ = np.array(sorted(df["item"].unique(), key=str), dtype=object)
        self.customers_ = np.array(sorted(df["customer"].unique(), key=str), dtype=object)
        item_ix = pd.Index(self.items_)
        cust_ix = pd.Index(self.customers_)
        counts = df.groupby(["customer", "item"]).size().reset_index(name="n")
        rows, cols = cust_ix.get_indexer(counts["customer"]), item_ix.get_indexer(counts["item"])
        self.counts_ = sparse.csr_matrix((counts["n"].to_numpy(float), (rows, cols)),
                                         shape=(len(cust_ix), len(item_ix)))
        incidence = (self.counts_ > 0).astype(float)
        cols_norm = normalize(incidence.tocsc(), axis=0)
        sim = (cols_norm.T @ cols_norm).toarray()
        np.fill_diagonal(sim, 0.0)
        if self.neighbours and self.neighbours < sim.shape[1]:
            cut = np.partition(sim, -self.neighbours, axis=1)[:, -self.neighbours][:, None]
            sim = np.where(sim >= cut, sim, 0.0)
        self.similarity_ = sim
        self.popularity_ = np.asarray(incidence.sum(axis=0)).ravel()
        self._cust_pos = {c: i for i, c in enumerate(self.customers_)}
        return self

    def scores(self, customers) -> np.ndarray:
        pos = np.array([self._cust_pos.get(c, -1) for c in customers])
        known = pos >= 0
        out = np.zeros((len(pos), len(self.items_)))
        if known.any():
            counts = self.counts_[pos[known]]
            incidence = (counts > 0).astype(float)
            co = np.asarray(incidence @ self.similarity_)
            totals = np.asarray(counts.sum(axis=1)).ravel()[:, None]
            history = counts.toarray() / np.maximum(totals, 1)
            out[known] = co + self.history_weight * history
        # tiny popularity term breaks ties and fills cold starts
        return out + 1e-6 * self.popularity_ / max(self.popularity_.max(), 1)

    def recommend(self, customers, k: int = 10) -> dict:
        customers = list(customers)
        out = {}
        for start in range(0, len(customers), 5000):
            chunk = customers[start:start + 5000]
            s = self.scores(chunk)
            top = np.argsort(-s, axis=1, kind="stable")[:, :k]
            for c, row, srow in zip(chunk, top, s):
                out[c] = list(self.items_[row])
        return out

    def recommend_frame(self, customers, k: int = 10) -> pd.DataFrame:
        """Long table: customer, rank (1..k), item, score, reason (history / co_purchase / popular)."""
        customers = list(customers)
        frames = []
        for start in range(0, len(customers), 5000):
            chunk = customers[start:start + 5000]
            s = self.scores(chunk)
            pos = np.array([self._cust_pos.get(c, -1) for c in chunk])
            top = np.argsort(-s, axis=1, kind="stable")[:, :k]
            seen = np.zeros_like(s, dtype=bool)
            if (pos >= 0).any():
                seen[pos >= 0] = self.counts_[pos[pos >= 0]].toarray() > 0
            rows = np.repeat(np.arange(len(chunk)), top.shape[1])
            cols = top.ravel()
            score = s[rows, cols]
            reason = np.where(seen[rows, cols], "history", np.where(score > 1e-5, "co_purchase", "popular"))
            frames.append(pd.DataFrame({
                "customer": np.array(chunk, dtype=object)[rows],
                "rank": np.tile(np.arange(1, top.shape[1] + 1), len(chunk)),
                "item": self.items_[cols], "score": score.round(6), "reason": reason,
            }))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["customer", "rank", "item", "score", "reason"])
