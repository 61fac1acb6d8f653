"""Fixtures of tests/spark (spark_fixtures.py): the DuckDB refresh the Spark ones must equal."""

from spark_fixtures import duckdb_refresh, on_duckdb  # noqa: F401  (fixtures)
