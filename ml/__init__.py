"""Sehat's models (scikit-learn contract: ``fit`` returns self, learned state ends with ``_``).

One model per module. The daily retrain DAGs call these on marts read from the
warehouse snapshot; nothing here imports Airflow.
"""
