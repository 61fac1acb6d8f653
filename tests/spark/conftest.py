"""Fixtures of tests/spark (spark_fixtures.py): the DuckDB reference build."""

from spark_fixtures import reference  # noqa: F401  (a fixture)
