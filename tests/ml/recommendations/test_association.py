"""Association rules match the standard definitions exactly.

Fixture: the AllElectronics transactions of Han, Kamber & Pei, *Data Mining: Concepts and
Techniques* (3rd ed.), Table 6.1 (nine baskets over I1..I5), written out by hand. The book
works the example with min_sup = 2/9 and min_conf = 0.7; the values below are the
textbook's counts, and every rule is also checked against a brute-force count.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest

from ml.recommendations.association import AssociationRules
from sehat.bench.personalisation import synthetic_baskets

ALL_ELECTRONICS = [
    ["I1", "I2", "I5"],  # T100
    ["I2", "I4"],  # T200
    ["I2", "I3"],  # T300
    ["I1", "I2", "I4"],  # T400
    ["I1", "I3"],  # T500
    ["I2", "I3"],  # T600
    ["I1", "I3"],  # T700
    ["I1", "I2", "I3", "I5"],  # T800
    ["I1", "I2", "I3"],  # T900
]


def _rule(model, antecedent, consequent):
    r = model.rules_
    hit = r[(r["antecedents"] == frozenset(antecedent)) & (r["consequents"] == frozenset(consequent))]
    assert len(hit) == 1, (antecedent, consequent)
    return hit.iloc[0]


def test_textbook_support_counts():
    model = AssociationRules(min_support=2 / 9, min_confidence=0.0).fit(ALL_ELECTRONICS)
    support = {frozenset(s): v for s, v in zip(model.itemsets_["itemsets"], model.itemsets_["support"])}
    # Table 6.1 / Figure 6.2 support counts (out of 9)
    expected = {("I1",): 6, ("I2",): 7, ("I3",): 6, ("I4",): 2, ("I5",): 2, ("I1", "I2"): 4, ("I1", "I3"): 4,
                ("I1", "I5"): 2, ("I2", "I3"): 4, ("I2", "I4"): 2, ("I2", "I5"): 2, ("I1", "I2", "I3"): 2,
                ("I1", "I2", "I5"): 2}
    assert set(support) == {frozenset(k) for k in expected}
    for items, count in expected.items():
        assert support[frozenset(items)] == pytest.approx(count / 9, abs=1e-12)


def test_textbook_rules_of_i1_i2_i5():
    """The book lists the rules of X = {I1, I2, I5} with their confidences (Example 6.4)."""
    model = AssociationRules(min_support=2 / 9, min_confidence=0.0, max_consequent_len=None).fit(ALL_ELECTRONICS)
    book = {(("I1", "I2"), ("I5",)): Fraction(2, 4), (("I1", "I5"), ("I2",)): Fraction(2, 2),
            (("I2", "I5"), ("I1",)): Fraction(2, 2), (("I1",), ("I2", "I5")): Fraction(2, 6),
            (("I2",), ("I1", "I5")): Fraction(2, 7), (("I5",), ("I1", "I2")): Fraction(2, 2)}
    consequent_support = {("I5",): Fraction(2, 9), ("I2",): Fraction(7, 9), ("I1",): Fraction(6, 9),
                          ("I2", "I5"): Fraction(2, 9), ("I1", "I5"): Fraction(2, 9), ("I1", "I2"): Fraction(4, 9)}
    for (a, c), confidence in book.items():
        r = _rule(model, a, c)
        assert r["support"] == pytest.approx(2 / 9, abs=1e-12)
        assert r["confidence"] == pytest.approx(float(confidence), abs=1e-12)
        assert r["lift"] == pytest.approx(float(confidence / consequent_support[c]), abs=1e-12)
    # with the book's min_conf = 70% only the three 100% rules remain
    strict = AssociationRules(min_support=2 / 9, min_confidence=0.7, max_consequent_len=None).fit(ALL_ELECTRONICS)
    kept = {(tuple(sorted(a)), tuple(sorted(c)))
            for a, c in zip(strict.rules_["antecedents"], strict.rules_["consequents"]) if len(a | c) == 3}
    assert kept == {(("I1", "I5"), ("I2",)), (("I2", "I5"), ("I1",)), (("I5",), ("I1", "I2"))}


def test_consequents_are_single_items_by_default():
    """arules' convention: one item on the right. The book's frequent itemsets at min_sup 2/9 are 6 pairs
    (2 rules each) and 2 triples (3 single-item consequents each, 6 with the two-item ones too)."""
    single = AssociationRules(min_support=2 / 9, min_confidence=0.0).fit(ALL_ELECTRONICS)
    assert len(single.rules_) == 6 * 2 + 2 * 3 and set(single.rules_["consequents"].map(len)) == {1}
    every = AssociationRules(min_support=2 / 9, min_confidence=0.0, max_consequent_len=None).fit(ALL_ELECTRONICS)
    assert len(every.rules_) == 6 * 2 + 2 * 6
    two = AssociationRules(min_support=2 / 9, min_confidence=0.0, max_consequent_len=2).fit(ALL_ELECTRONICS)
    assert len(two.rules_) == len(every.rules_)


def _brute_force(baskets, min_support, min_confidence, max_consequent_len=1):
    sets = [frozenset(b) for b in baskets]
    n = len(sets)
    items = sorted({i for s in sets for i in s})
    support = {}
    for size in range(1, 4):
        for combo in combinations(items, size):
            c = frozenset(combo)
            count = sum(1 for s in sets if c <= s)
            if count / n >= min_support:
                support[c] = count / n
    rules = {}
    for itemset, s in support.items():
        for k in range(1, len(itemset)):
            for a in combinations(sorted(itemset), k):
                a = frozenset(a)
                c = itemset - a
                if max_consequent_len is not None and len(c) > max_consequent_len:
                    continue
                conf = s / support[a]
                if conf >= min_confidence:
                    rules[(a, c)] = (s, conf, conf / support[c])
    return rules


def test_every_rule_matches_a_brute_force_count():
    baskets = synthetic_baskets(n_baskets=600, n_items=25, n_themes=4, seed=3)
    model = AssociationRules(min_support=0.02, min_confidence=0.3, max_len=3).fit(baskets)
    expected = _brute_force(baskets, 0.02, 0.3)
    got = {(a, c): (s, conf, lift) for a, c, s, conf, lift in zip(
        model.rules_["antecedents"], model.rules_["consequents"], model.rules_["support"],
        model.rules_["confidence"], model.rules_["lift"])}
    assert set(got) == set(expected) and len(got) > 10
    for key, values in expected.items():
        assert np.allclose(got[key], values, rtol=0, atol=1e-12), key


def test_planted_themes_come_out_as_high_lift_rules():
    baskets = synthetic_baskets(n_baskets=3000, n_items=60, n_themes=5, seed=1)
    model = AssociationRules(min_support=0.005, min_confidence=0.5).fit(baskets)
    assert len(model.rules_) > 0 and (model.rules_["lift"] > 3).mean() > 0.5
    table = model.rules_table()
    assert list(table.columns[:2]) == ["antecedents", "consequents"] and table["confidence"].min() >= 0.5
