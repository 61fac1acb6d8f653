"""Tables between the DuckDB work database and Spark, as Parquet directories.

`push_tables` writes each DuckDB table (`raw.*`, `quality.findings`) as Parquet and points a
Spark table at it: `create table … using parquet location …`. `pull_table` has Spark write a
table as Parquet and replaces the DuckDB table with it. `run_sql` is whatever runs one Spark SQL
statement: `SparkSession.sql` in process, or a DB-API cursor's `execute` on the Spark Thrift
Server. The directory must be one path for both sides: local on one host, shared storage
(an HDFS or S3 URI the executors and DuckDB both read) on a cluster.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

RunSql = Callable[[str], object]


def push_tables(
    duck: duckdb.DuckDBPyConnection, run_sql: RunSql, tables: Iterable[str], directory: Path
) -> dict[str, Path]:
    """Make each Spark table equal to the DuckDB table of the same name; returns their locations.

    The whole table is written again each time (raw tables of province and commune reports stay
    small, see docs/scaling.md).
    """
    locations = {}
    for table in tables:
        schema, name = _split(table)
        location = directory / schema / name
        run_sql(f"create schema if not exists {schema}")
        run_sql(f"drop table if exists {schema}.{name}")  # an external table: its files stay
        shutil.rmtree(location, ignore_errors=True)
        location.mkdir(parents=True)
        duck.execute(f"copy {schema}.{name} to '{location / 'part-0.parquet'}' (format parquet)")
        run_sql(f"create table {schema}.{name} using parquet location '{location.resolve().as_uri()}'")
        locations[table] = location
    return locations


def pull_table(
    run_sql: RunSql, duck: duckdb.DuckDBPyConnection, source: str, directory: Path, into: str | None = None
) -> int:
    """Replace the DuckDB table `into` (default: the same name) with the Spark table `source`."""
    _split(source)
    into_schema, into_name = _split(into or source)
    location = directory / source
    run_sql(f"insert overwrite directory '{location.resolve().as_uri()}' using parquet select * from {source}")
    duck.execute(f'create schema if not exists "{into_schema}"')
    duck.execute(
        f'create or replace table "{into_schema}"."{into_name}" as '
        f"select * from read_parquet('{location / '*.parquet'}')"
    )
    return duck.execute(f'select count(*) from "{into_schema}"."{into_name}"').fetchone()[0]


def _split(table: str) -> tuple[str, str]:
    schema, _, name = table.partition(".")
    if not name or not (schema + name).replace("_", "").isalnum():
        raise ValueError(f"expected schema.table (letters, digits, _), got {table!r}")
    return schema, name
