"""Text helpers shared by the SAPE models: sentence splitting and the n-gram vectoriser."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from sehat.sources.chats import split_sentences  # one definition, also mirrored by the dbt model

__all__ = ["document_vectorizer", "sentence_vectorizer", "split_sentences"]


def sentence_vectorizer() -> FeatureUnion:
    """Word 1-2 grams (keeps "?" as a token) + character 3-4 grams within words (robust to typos)."""
    return FeatureUnion([
        ("words", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), token_pattern=r"[\w']+|\?",
                                  min_df=2, sublinear_tf=True, dtype=np.float32)),
        ("chars", TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 4), min_df=3,
                                  sublinear_tf=True, max_features=60_000, dtype=np.float32)),
    ])


def document_vectorizer() -> FeatureUnion:
    """For the joined sentences of one category in one consultation (subcategory classifiers)."""
    return FeatureUnion([
        ("words", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), token_pattern=r"[\w']+",
                                  min_df=2, sublinear_tf=True, dtype=np.float32)),
        ("chars", TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 4), min_df=3,
                                  sublinear_tf=True, max_features=40_000, dtype=np.float32)),
    ])
