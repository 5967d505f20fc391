"""Run the Sehat DAGs through Airflow (transitional: the module moved into this package)."""

from sehat.orchestrate.scheduler import *  # noqa: F401,F403
from sehat.orchestrate.scheduler import app  # noqa: F401
