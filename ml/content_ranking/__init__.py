"""Content ranking: :class:`ml.content_ranking.thompson.BetaBinomialRanker`."""
