"""SAPE consultation-quality scoring (Subjective, Assessment, Planning, Etiquette).

Reproduces the journey of the Halodoc write-up (docs/sape.md):

* :mod:`ml.sape.dictionary`: the dictionary approach (question words / "?"; etiquette phrases at the
  start and end of the chat) - the baseline, and what still scores Etiquette;
* :mod:`ml.sape.question`: trained question classifier (n-gram TF-IDF + linear SVM);
* :mod:`ml.sape.features`: quantitative consultation features (the mart's definitions);
* :mod:`ml.sape.quantitative`: decision tree / gradient boosting / small MLP with oversampling;
* :mod:`ml.sape.sentence`: binary S / A / P sentence classifiers;
* :mod:`ml.sape.qualitative`: the shipped scorer: sentence classifiers -> accepted sentences joined per
  consultation -> subcategory classifiers (0 / 0.5), category = sum, Etiquette by dictionary;
* :mod:`ml.sape.training`: training on a user's label files (column checks, held-out figures, label source);
* :mod:`ml.sape.evaluate`: the comparison report (tables + plots, best achievable from the truth);
* :mod:`ml.sape.job`: the daily job: retrain, score, write ``ml.sape_scores`` (gate and publish:
  :mod:`sehat.release.sape`; the command line ``sehat sape ...``: :mod:`sehat.commands.sape`).
"""
