"""Airflow-specific pieces the Sehat DAGs share (plain modules, no AirflowPlugin).

* ``common``: the Assets, the writer pool, ``default_args`` and the rule that
  decides which day a run is about;
* ``callbacks``: the failure alert written to ``$SEHAT_HOME/alerts/alerts.jsonl``.

Airflow puts ``plugins/`` on ``sys.path``, so DAG files import ``sehat_airflow``.
Everything here is cheap to import: the DAG processor parses DAG files often.
"""
