"""The DuckDB work database: ingestion, dbt (on DuckDB) and the quality step write it, one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

# A new work database is written in DuckDB 1.5's storage format, not its most compatible one
# (for older readers, which only the published p06.duckdb needs): DuckDB writes a
# million raw values with ~0.4 CPU s less (bench/README.md, issue 20 session 10). A work
# database created before keeps its format.
WORK_DB_CONFIG = {"storage_compatibility_version": "v1.5.0"}


def connect_work_db(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Every opening of a work database (the warehouse's, or `p06 validate`'s scratch one)."""
    return duckdb.connect(str(path), read_only=read_only, config=WORK_DB_CONFIG)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The statements inside committed together, or none of them."""
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        con.rollback()
        raise


def relation_type(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    """'BASE TABLE' or 'VIEW' for a relation of the connection's current database; None without it."""
    row = con.execute(
        "select table_type from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return row[0] if row else None
