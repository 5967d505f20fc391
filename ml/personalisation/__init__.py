"""The daily personalisation job: cohorts, recommendations, content ranking, experiment analysis.

* :mod:`ml.personalisation.job`: the steps (one Airflow task each in ``sehat_personalisation``),
  trained on the snapshot and written to the ``ml`` schema; their exports are gated and published
  by :mod:`sehat.release.exports` (the command line ``sehat personalisation ...``:
  :mod:`sehat.commands.personalisation`).
"""
