# p06: two commands on a fresh clone — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.dev-installed-stamp
SPARK_STAMP := $(VENV)/.spark-installed-stamp
# uv installs the exact versions of uv.lock. A uv on PATH is used; otherwise it is installed from
# PyPI into a venv of its own (works as root on a fresh machine, whatever pip the system has).
UV_VERSION := 0.13.9
UV_VENV := .tools/uv
UV ?= $(or $(shell command -v uv 2>/dev/null),$(UV_VENV)/bin/uv)
UV_SYNC = $(UV) sync --frozen --compile-bytecode --python $(PYTHON)
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/dbt_project.yml dbt_project/profiles.yml -type f 2>/dev/null)
DAGSTER_HOME ?= $(CURDIR)/warehouse/dagster_home
DEV_PORT ?= 3000
export DAGSTER_HOME

.PHONY: install install-spark run test lint dev docs system-deps bench clean

# `make run` needs only the base; `make install` adds the dev extra (pytest, the test servers);
# `make test` also the spark extra (pyspark and dbt-spark, ~400 MB, tests/spark).
install: $(DEV_STAMP)

install-spark: $(SPARK_STAMP)

$(UV_VENV)/bin/uv:
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install --quiet uv==$(UV_VERSION)

# Reinstalls only when pyproject.toml or uv.lock change. --frozen installs uv.lock as it is, never
# re-resolving: after changing dependencies run `uv lock` and commit both files (`make lint`
# checks they agree). --inexact keeps the extras that an earlier target installed.
# --compile-bytecode writes the .pyc files pip used to: without them every `p06 refresh` compiles
# Dagster, dbt and pandas from source again where PYTHONDONTWRITEBYTECODE is set (bench/README.md).
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --inexact
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(UV_SYNC) --inexact --extra dev
	touch $(DEV_STAMP)

$(SPARK_STAMP): $(DEV_STAMP)
	$(UV_SYNC) --extra dev --extra spark
	touch $(SPARK_STAMP)

# The dbt manifest is prepared once here, never committed and never re-parsed per run. A fresh
# warehouse starts from a copy of this parse's cache (transform/dbt_calls.py seed_partial_parse; dbt
# by hand and sqlfluff rewrite partial_parse.msgpack itself), named with the target as a refresh
# names it: dbt's partial-parse check compares the name.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --target "$${P06_DBT_TARGET:-duckdb}" \
		&& cp target/partial_parse.msgpack target/p06_parse_seed.msgpack
	touch $(MANIFEST)

run: $(MANIFEST)
	$(BIN)/p06 refresh

test: $(MANIFEST) $(SPARK_STAMP) system-deps
	$(BIN)/pytest

# ruff (pyproject.toml) on the Python, sqlfluff (dbt_project/.sqlfluff) on the dbt models, and
# uv.lock against pyproject.toml. Runs all four, fails if any failed. The linters run in uv's
# own tool environments, pinned here: in the project's extras sqlfluff (click<=8.3.0) would
# hold back the click that dbt and Dagster run with.
RUFF := $(UV) tool run --python $(PYTHON) ruff@0.17.6
SQLFLUFF := $(UV) --directory dbt_project tool run --python $(PYTHON) --from sqlfluff==3.5.0 \
	--with sqlfluff-templater-dbt==3.5.0 --with dbt-core==1.11.16 --with dbt-duckdb==1.11.1 sqlfluff
lint: | $(UV)
	@status=0; \
	$(UV) lock --check --python $(PYTHON) || status=1; \
	$(RUFF) check . || status=1; \
	$(RUFF) format --check . || status=1; \
	mkdir -p build && P06_WORK_DB=$(CURDIR)/build/lint.duckdb \
		$(SQLFLUFF) lint models || status=1; \
	exit $$status

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
