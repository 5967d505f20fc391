"""Product and service recommendations.

* :mod:`.association`  FP-growth association rules (mlxtend): support, confidence, lift.
* :mod:`.cooccurrence` item-item co-purchase + own-history recommender (per customer top-k).
* :mod:`.popularity`   the baseline every recommender is compared with.
* :mod:`.cohort`       per-cohort recommendations of products, specialities and lab tests.
* :mod:`.evaluation`   time split, precision@k, recall@k, coverage.
"""
