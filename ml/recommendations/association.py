"""Association rules from order baskets with mlxtend's FP-growth.

Definitions (Agrawal et al. 1993; Han, Kamber & Pei, *Data Mining*, ch. 6), for
N baskets and itemsets A, C:

* support(A)        = |{baskets containing A}| / N
* confidence(A->C)  = support(A u C) / support(A)
* lift(A->C)        = confidence(A->C) / support(C)

mlxtend computes exactly these; ``tests/ml/recommendations`` checks them against
the textbook example and against a brute-force count.

Consequents are single items by default (``max_consequent_len=1``), the usual
convention of R's ``arules`` (``apriori`` makes rules with one item on the right)
and of the rule counts people compare against: on the Groceries baskets this
gives the reference counts. mlxtend's ``association_rules`` also makes every
multi-item consequent (``{a} -> {b, c}``); pass ``max_consequent_len=None`` (or
a larger number) to keep those.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator


def basket_matrix(baskets: Sequence[Iterable]) -> pd.DataFrame:
    """One-hot basket x item matrix (sparse bool columns) from lists of items."""
    items = sorted({i for b in baskets for i in b}, key=str)
    index = {item: j for j, item in enumerate(items)}
    rows, cols = [], []
    for r, basket in enumerate(baskets):
        for item in set(basket):
            rows.append(r)
            cols.append(index[item])
    m = sparse.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(baskets), len(items)))
    return pd.DataFrame.sparse.from_spmatrix(m, columns=[str(i) for i in items])


class AssociationRules(BaseEstimator):
    """FP-growth frequent itemsets and the rules above ``min_confidence``.

    ``fit(baskets)`` takes a sequence of baskets (iterables of item ids). Learned:
    ``itemsets_`` (support, itemsets), ``rules_`` (antecedents, consequents,
    support, confidence, lift, ...), ``n_baskets_``.

    ``max_consequent_len``: most items a rule's consequent may hold; 1 (default)
    keeps single-item consequents as arules does, None keeps every rule mlxtend makes.
    """

    def __init__(self, min_support: float = 0.001, min_confidence: float = 0.5, max_len: int | None = None,
                 max_consequent_len: int | None = 1):
        self.min_support = min_support
        self.min_confidence = min_confidence
        self.max_len = max_len
        self.max_consequent_len = max_consequent_len

    def fit(self, baskets, y=None):
        from mlxtend.frequent_patterns import association_rules, fpgrowth

        baskets = [list(b) for b in baskets]
        onehot = basket_matrix(baskets)
        self.n_baskets_ = len(baskets)
        self.itemsets_ = fpgrowth(onehot, min_support=self.min_support, use_colnames=True, max_len=self.max_len)
        if len(self.itemsets_) and self.itemsets_["itemsets"].map(len).max() > 1:
            rules = association_rules(
                self.itemsets_, metric="confidence", min_threshold=self.min_confidence,
                num_itemsets=self.n_baskets_,
            )
        else:
            rules = pd.DataFrame(columns=["antecedents", "consequents", "support", "confidence", "lift"])
        if self.max_consequent_len is not None and len(rules):
            rules = rules[rules["consequents"].map(len) <= self.max_consequent_len]
        self.rules_ = rules.sort_values(["lift", "confidence", "support"], ascending=False).reset_index(drop=True)
        return self

    def rules_table(self) -> pd.DataFrame:
        """Rules as plain columns (antecedent/consequent as sorted comma-joined strings)."""
        r = self.rules_
        return pd.DataFrame({
            "antecedents": r["antecedents"].map(lambda s: ",".join(sorted(s))),
            "consequents": r["consequents"].map(lambda s: ",".join(sorted(s))),
            "antecedent_support": r.get("antecedent support"),
            "consequent_support": r.get("consequent support"),
            "support": r["support"],
            "confidence": r["confidence"],
            "lift": r["lift"],
        })
