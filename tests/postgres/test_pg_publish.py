"""Publishing on PostgreSQL: schema `marts` swapped in whole, or not at all."""

from __future__ import annotations

import threading

import psycopg2
import pytest

from orchestration.postgres.publish import BUILD_SCHEMA, publish_marts
from orchestration.publish.marts import PUBLISHED_MARTS

WORK_SCHEMA = "work_marts"  # where dbt builds the marts before they are published
EVERY_MART_VERSION = " union all ".join(f"select version from marts.{table}" for table in PUBLISHED_MARTS)


def _build_work_marts(pg_conn, version: int, tables=PUBLISHED_MARTS) -> None:
    with pg_conn, pg_conn.cursor() as cur:
        cur.execute(f"drop schema if exists {WORK_SCHEMA} cascade; create schema {WORK_SCHEMA}")
        for table in tables:
            cur.execute(f"create table {WORK_SCHEMA}.{table} as select %s::bigint as version", (version,))


def _published_versions(pg_conn) -> list[int]:
    with pg_conn, pg_conn.cursor() as cur:
        cur.execute(EVERY_MART_VERSION)
        return [version for (version,) in cur.fetchall()]


def _schemas(pg_conn) -> set[str]:
    with pg_conn, pg_conn.cursor() as cur:
        cur.execute("select nspname from pg_namespace where nspname like 'marts%'")
        return {name for (name,) in cur.fetchall()}


def test_publish_serves_every_mart_and_replaces_the_previous_ones(pg_conn):
    _build_work_marts(pg_conn, version=1)
    assert publish_marts(pg_conn, WORK_SCHEMA) == {table: 1 for table in PUBLISHED_MARTS}
    _build_work_marts(pg_conn, version=2)
    publish_marts(pg_conn, WORK_SCHEMA)

    assert _published_versions(pg_conn) == [2] * len(PUBLISHED_MARTS)
    assert _schemas(pg_conn) == {"marts"}


def test_failed_publish_leaves_the_published_marts_untouched(pg_conn):
    _build_work_marts(pg_conn, version=1)
    publish_marts(pg_conn, WORK_SCHEMA)
    _build_work_marts(pg_conn, version=2, tables=PUBLISHED_MARTS[:-1])

    with pytest.raises(psycopg2.errors.UndefinedTable, match=PUBLISHED_MARTS[-1]):
        publish_marts(pg_conn, WORK_SCHEMA)
    assert _published_versions(pg_conn) == [1] * len(PUBLISHED_MARTS)
    assert BUILD_SCHEMA not in _schemas(pg_conn)


def test_readers_during_publishes_see_one_version_of_every_mart(pg_target, pg_conn):
    _build_work_marts(pg_conn, version=0)
    publish_marts(pg_conn, WORK_SCHEMA)
    publishing_done = threading.Event()
    seen: list[list[int]] = []
    failures: list[str] = []

    def read_until_done() -> None:
        reader = pg_target.connect()
        reader.autocommit = True  # one statement, one snapshot: as a dashboard query runs
        try:
            while not publishing_done.is_set():
                with reader.cursor() as cur:
                    try:
                        cur.execute(EVERY_MART_VERSION)
                        seen.append([version for (version,) in cur.fetchall()])
                    except psycopg2.Error as exc:  # e.g. a mart missing for a moment
                        failures.append(str(exc))
        finally:
            reader.close()

    reader_thread = threading.Thread(target=read_until_done)
    reader_thread.start()
    try:
        for version in range(1, 6):
            _build_work_marts(pg_conn, version)
            publish_marts(pg_conn, WORK_SCHEMA)
    finally:
        publishing_done.set()
        reader_thread.join()

    assert seen, "the reader never ran a query"
    assert failures == []
    mixed = [versions for versions in seen if len(set(versions)) != 1 or len(versions) != len(PUBLISHED_MARTS)]
    assert mixed == []
    assert _published_versions(pg_conn) == [5] * len(PUBLISHED_MARTS)


def test_publish_refuses_to_drop_what_others_built_on_the_marts(pg_conn):
    _build_work_marts(pg_conn, version=1)
    publish_marts(pg_conn, WORK_SCHEMA)
    with pg_conn, pg_conn.cursor() as cur:
        cur.execute("create schema reports; create view reports.latest as select * from marts.dim_province")
    _build_work_marts(pg_conn, version=2)

    with pytest.raises(psycopg2.errors.DependentObjectsStillExist, match="view reports.latest depends on"):
        publish_marts(pg_conn, WORK_SCHEMA)
    assert _published_versions(pg_conn) == [1] * len(PUBLISHED_MARTS)


def test_publish_gives_up_when_a_reader_holds_the_old_marts_too_long(pg_target, pg_conn):
    _build_work_marts(pg_conn, version=1)
    publish_marts(pg_conn, WORK_SCHEMA)
    reader = pg_target.connect()  # a dashboard query inside a transaction that does not end
    with reader.cursor() as cur:
        cur.execute("select * from marts.dim_province")
    _build_work_marts(pg_conn, version=2)

    try:
        with pytest.raises(psycopg2.errors.LockNotAvailable):
            publish_marts(pg_conn, WORK_SCHEMA, lock_timeout_seconds=0.2)
    finally:
        reader.close()
    assert _published_versions(pg_conn) == [1] * len(PUBLISHED_MARTS)
    assert _schemas(pg_conn) == {"marts"}
