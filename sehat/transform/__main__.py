"""``python -m sehat.transform manifest``: the last step of docker-compose.yml's airflow-init."""

import logging
import sys

from sehat.transform.dbt import ensure_manifest

if sys.argv[1:] != ["manifest"]:
    sys.exit("usage: python -m sehat.transform manifest  (write the dbt manifest sehat_dbt_models reads)")
logging.basicConfig(level=logging.INFO, format="%(message)s")
print(ensure_manifest())
