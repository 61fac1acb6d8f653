# p06: two commands on a fresh clone — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SPARK_STAMP := $(VENV)/.spark-installed-stamp
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/dbt_project.yml dbt_project/profiles.yml -type f 2>/dev/null)
DAGSTER_HOME ?= $(CURDIR)/warehouse/dagster_home
DEV_PORT ?= 3000
export DAGSTER_HOME

.PHONY: install install-spark run test dev docs system-deps bench clean

install: $(STAMP)

# pyspark and dbt-spark (~400 MB): only the tests need them (tests/spark), `make run` does not.
install-spark: $(SPARK_STAMP)

# Reinstalls only when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(SPARK_STAMP)

# The dbt manifest is prepared once here, never committed and never re-parsed per run.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet
	touch $(MANIFEST)

run: $(MANIFEST)
	$(BIN)/p06 refresh

test: $(MANIFEST) $(SPARK_STAMP) system-deps
	$(BIN)/pytest

dev: $(MANIFEST)
	scripts/dev.sh $(DEV_PORT)

docs: $(MANIFEST)
	cd dbt_project && ../$(BIN)/dbt docs generate --static
	@echo "dbt docs: dbt_project/target/static_index.html"

# Programs the tests drive for real: headless Chromium (UI test), PostgreSQL server binaries,
# Java for Spark.
system-deps:
	@bash scripts/install-system-deps.sh

bench: $(MANIFEST)
	$(BIN)/python bench/run.py

clean:
	rm -rf warehouse build dbt_project/target dbt_project/logs
