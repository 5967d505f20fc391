"""The transform layer: the dbt project run on DuckDB or Spark, and what the Spark path needs.

Four modules whose imports run one way (``tests/test_import_direction.py``); each reads alone:

* :mod:`sehat.transform.parity`: do two warehouses hold the same marts? (no Sehat imports);
* :mod:`sehat.transform.spark`: the Spark engine's settings, dbt's ``spark`` environment, a
  SparkSession, where Spark keeps a table;
* :mod:`sehat.transform.lake`: the Parquet lake both engines read (:func:`~sehat.transform.lake.sync_sources`)
  and the way back from Spark (:func:`~sehat.transform.lake.import_built`); imports ``spark``;
* :mod:`sehat.transform.dbt`: runs dbt as a subprocess (:func:`~sehat.transform.dbt.dbt_build`,
  :func:`~sehat.transform.dbt.ensure_manifest`); on Spark it syncs the lake first and imports what
  Spark built after; imports ``lake`` and ``spark``.

Nothing here imports another module at package level: ``import sehat.transform.spark`` loads no dbt.
``python -m sehat.transform manifest`` writes the manifest the ``sehat_dbt_models`` DAG renders from.
"""
