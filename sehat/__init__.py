"""Sehat: the tele-health data warehouse.

Plain-Python domain package (no Airflow imports): data generation, ingestion,
quality gates, publishing and the command line. Airflow DAGs in ``dags/`` and
dbt models in ``dbt_project/`` call into it.
"""

__version__ = "0.1.0"
