# Sehat: the two commands a newcomer needs are `make demo` and `make test`.
# Both create the virtual environment themselves from the committed lock file.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup setup-spark demo test test-fast bench figures lint clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)  ## create .venv from requirements.lock (uv)

# The optional Spark engine (pyspark + dbt-spark, ~400 MB): `make test` needs it, `make demo` does not.
# requirements-spark.lock is requirements.lock plus the [spark] extra, resolved with the base lock as
# constraints, so both installs share every common version.
SPARK_STAMP := $(VENV)/.installed-spark
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements-spark.lock
	touch $(SPARK_STAMP)

setup-spark: $(SPARK_STAMP)  ## add the [spark] extra (pyspark, dbt-spark) to .venv

demo: setup  ## main job: generate a sample and run the daily pipeline through Airflow, then print a summary
	$(BIN)/sehat demo

# Two workers, one per core: the suite is CPU-bound (measured: both cores busy through a run).
# Tests sharing an expensive fixture stay on one worker (the scheduler in tests/conftest.py).
TEST_WORKERS ?= 2

test: setup-spark  ## the test suite (CI runs exactly this); TEST_WORKERS=0 runs it in one process
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

# The fast lane: everything but the tests that build a whole world (marker e2e: a generated
# warehouse, an Airflow run, compose, Cosmos; see tests/conftest.py) or start Spark (marker spark).
test-fast: setup  ## the suite without world-building (e2e) and Spark tests, for the edit-test loop (under 3 min)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=10 -m "not e2e and not spark"

bench: setup  ## benchmarks: prints figures and writes them to benchmarks/results/
	$(BIN)/sehat bench all

figures: setup  ## regenerate the figure tables of README.md and docs/ from benchmarks/results/*.json
	$(BIN)/sehat bench report

lint: setup  ## ruff, and the dbt project's conventions (dbt-bouncer on a fresh dbt parse; dbt_project/dbt-bouncer.yml)
	$(BIN)/ruff check sehat ml dags plugins tests
	cd dbt_project && SEHAT_WAREHOUSE=target/never-opened.duckdb ../$(BIN)/dbt parse --profiles-dir . --quiet
	$(BIN)/dbt-bouncer --config-file dbt_project/dbt-bouncer.yml

lock:  ## re-resolve requirements.lock after editing pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra orchestration --extra dev --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra orchestration --extra dev --extra spark --python-version 3.11 -c requirements.lock -o requirements-spark.lock

clean:  ## remove generated data, warehouse and publications (keeps .venv)
	rm -rf .sehat
