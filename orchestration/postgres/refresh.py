"""What a refresh does in addition when `P06_WAREHOUSE_URL=postgresql://...` is set
(the steps of orchestration/warehouse/engines.py's PostgresEngine).

Ingestion and the quality step keep using the DuckDB work database; dbt runs on PostgreSQL
(target `postgres`). The tables cross over at these points of the `refresh` job:

    raw_submissions     afterwards  push_raw             raw.*              DuckDB -> PostgreSQL
    dbt_prepare         dbt on PostgreSQL
    quarantined_values  before      pull_quality_inputs  candidates, status PostgreSQL -> DuckDB
                        afterwards  push_findings        quality.findings,  DuckDB -> PostgreSQL
                                                         quality.history
    dbt_facts           dbt on PostgreSQL
    quality_gate        before      pull_marts(GATE_INPUTS)                 PostgreSQL -> DuckDB
    dbt_reporting       dbt on PostgreSQL
    published_marts     before      pull_marts           every §5 mart      PostgreSQL -> DuckDB
                        then the DuckDB publish as always (p06.duckdb, Parquet) and publish
                        (schema marts on PostgreSQL, atomically, readable by bi_reader)
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from orchestration.postgres.load import TableCopy, pull_table, push_tables
from orchestration.postgres.publish import publish_marts
from orchestration.postgres.target import PostgresTarget
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.warehouse.layout import (
    DBT_MARTS_SCHEMA,
    FINDINGS_TABLE,
    GATE_INPUTS,
    HISTORY_TABLE,
    QUALITY_INPUTS,
    RAW_TABLES,
    marts_from_engine,
)

__all__ = ["GATE_INPUTS", "QUALITY_INPUTS"]  # the steps' tables, as the tests name them


def push_raw(duck: duckdb.DuckDBPyConnection, target: PostgresTarget) -> list[TableCopy]:
    return _push(duck, target, RAW_TABLES)


def push_findings(duck: duckdb.DuckDBPyConnection, target: PostgresTarget) -> list[TableCopy]:
    return _push(duck, target, [FINDINGS_TABLE, HISTORY_TABLE])


def pull_quality_inputs(duck: duckdb.DuckDBPyConnection, target: PostgresTarget) -> dict[str, int]:
    return _pull(duck, target, QUALITY_INPUTS)


def pull_marts(
    duck: duckdb.DuckDBPyConnection, target: PostgresTarget, tables: Sequence[str] = PUBLISHED_MARTS
) -> dict[str, int]:
    """dbt's marts on PostgreSQL into schema marts of the work database, where DuckDB publishes from."""
    return _pull(duck, target, marts_from_engine(tables))


def publish(target: PostgresTarget) -> dict[str, int]:
    """Swap the marts dbt built into schema `marts`; returns rows per published table."""
    conn = target.connect()
    try:
        return publish_marts(conn, DBT_MARTS_SCHEMA)
    finally:
        conn.close()


def _push(duck: duckdb.DuckDBPyConnection, target: PostgresTarget, tables) -> list[TableCopy]:
    conn = target.connect()
    try:
        return push_tables(duck, conn, tables)
    finally:
        conn.close()


def _pull(duck: duckdb.DuckDBPyConnection, target: PostgresTarget, tables: dict[str, str]) -> dict[str, int]:
    conn = target.connect()
    try:
        return {into: pull_table(conn, duck, source, into) for into, source in tables.items()}
    finally:
        conn.close()
