"""Benchmarks: measured figures, written to ``benchmarks/results/<name>.json``.

Benchmark and test tooling, not production code: this package may import the
generator (``sehat.generate``), production code may not import this package.

* :mod:`sehat.bench.results` - reading and writing the result files;
* :mod:`sehat.bench.report` - the README's and docs' figure tables, generated from them;
* :mod:`sehat.bench.warehouse` - the daily run per stage at several scales, day N+1,
  CleverTap ingest vs the DuckDB ceiling, PostgreSQL extraction;
* :mod:`sehat.bench.dag_parse` - DAG file parse times, from Airflow's own DagBag;
* :mod:`sehat.bench.prescriptions`, :mod:`sehat.bench.synth` - the prescription recommender
  (accuracy, training at 1M, latency) on synthesised prescriptions;
* :mod:`sehat.bench.sape` - SAPE accuracy and scoring throughput;
* :mod:`sehat.bench.personalisation` - association rules and the customer-view rebuild;
* :mod:`sehat.bench.pii_gate` - the PII gate with 1,000,000 known values;
* :mod:`sehat.bench.cli` - ``sehat bench ...``.

Tests never assert speed; these modules measure it.
"""

from sehat.bench.results import RESULTS_DIR, machine, read_results, write_results

__all__ = ["RESULTS_DIR", "machine", "read_results", "write_results"]
