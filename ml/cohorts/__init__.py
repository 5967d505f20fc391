"""Behavioural cohorts: :class:`ml.cohorts.kmeans.BehaviouralCohorts`."""
