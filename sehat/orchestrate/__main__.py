"""``python -m sehat.orchestrate standalone|backfill`` (the same commands as ``sehat airflow``)."""

from sehat.orchestrate.cli import app

app()
