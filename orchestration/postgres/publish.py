"""Publish the marts on PostgreSQL atomically: build a new schema, swap names in one transaction.

dbt builds the marts in its own working schema (incremental models keep their state there, as
in work.duckdb); publishing copies them into `marts_build` and, in the same transaction, renames
`marts` away, renames the build schema to `marts`, drops the old one and grants `bi_reader`
again. A reader sees the old marts or the new ones, never a mix; a failure changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg2 import sql

from orchestration.postgres.roles import READER_ROLE, ensure_reader_role
from orchestration.publish.marts import PUBLISHED_MARTS, PUBLISHED_SCHEMA

BUILD_SCHEMA = f"{PUBLISHED_SCHEMA}_build"
RETIRED_SCHEMA = f"{PUBLISHED_SCHEMA}_retired"
# Dropping the old marts waits for BI queries still reading them, and new queries queue behind
# the drop meanwhile: after this long, give up (publishing nothing) rather than stall BI longer.
DEFAULT_LOCK_TIMEOUT_SECONDS = 60


def publish_marts(
    pg_conn,
    source_schema: str,
    tables: Sequence[str] = PUBLISHED_MARTS,
    *,
    reader_role: str = READER_ROLE,
    lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> dict[str, int]:
    """Serve the `tables` of `source_schema` as schema `marts`; returns rows per table."""
    with pg_conn, pg_conn.cursor() as cur:
        cur.execute("select set_config('lock_timeout', %s, true)", (f"{int(lock_timeout_seconds * 1000)}ms",))
        counts = _build(cur, source_schema, tables)
        _swap(cur)
        ensure_reader_role(cur, reader_role, PUBLISHED_SCHEMA)
    return counts


def _build(cur, source_schema: str, tables: Sequence[str]) -> dict[str, int]:
    cur.execute(sql.SQL("create schema {}").format(sql.Identifier(BUILD_SCHEMA)))
    counts = {}
    for table in tables:
        target = sql.Identifier(BUILD_SCHEMA, table)
        cur.execute(sql.SQL("create table {} as table {}").format(target, sql.Identifier(source_schema, table)))
        counts[table] = cur.rowcount
        cur.execute(sql.SQL("analyze {}").format(target))
    return counts


def _swap(cur) -> None:
    published, retired = sql.Identifier(PUBLISHED_SCHEMA), sql.Identifier(RETIRED_SCHEMA)
    cur.execute("select 1 from pg_namespace where nspname = %s", (PUBLISHED_SCHEMA,))
    replacing = cur.fetchone() is not None
    if replacing:
        cur.execute(sql.SQL("alter schema {} rename to {}").format(published, retired))
    cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(BUILD_SCHEMA), published))
    if replacing:
        _drop_retired(cur)


def _drop_retired(cur) -> None:
    """Drop the old marts without CASCADE: an object elsewhere built on them (a view) makes the
    publish fail, naming it, instead of vanishing silently with them."""
    cur.execute("select tablename from pg_tables where schemaname = %s", (RETIRED_SCHEMA,))
    tables = [sql.Identifier(RETIRED_SCHEMA, name) for (name,) in cur.fetchall()]
    if tables:
        cur.execute(sql.SQL("drop table {}").format(sql.SQL(", ").join(tables)))
    cur.execute(sql.SQL("drop schema {}").format(sql.Identifier(RETIRED_SCHEMA)))
