"""bi_reader: a login in that role reads the published marts and nothing else."""

from __future__ import annotations

import uuid

import psycopg2
import pytest
from psycopg2 import errors

from orchestration.postgres.publish import publish_marts
from orchestration.publish.marts import PUBLISHED_MARTS

FORBIDDEN = [
    ("select * from raw.indicator_values", errors.InsufficientPrivilege),
    ("select * from work_marts.dim_province", errors.InsufficientPrivilege),
    ("create table marts.mine (x int)", errors.InsufficientPrivilege),
    ("create table public.mine (x int)", errors.InsufficientPrivilege),
    ("create schema mine", errors.InsufficientPrivilege),
    ("delete from marts.dim_province", errors.InsufficientPrivilege),
]


@pytest.fixture
def published(pg_conn):
    """Raw data, dbt's working marts, and the marts published from them."""
    with pg_conn, pg_conn.cursor() as cur:
        cur.execute("create schema raw; create table raw.indicator_values as select 1 as value")
        cur.execute("create schema work_marts")
        for table in PUBLISHED_MARTS:
            cur.execute(f"create table work_marts.{table} as select '52'::text as province_code")
    publish_marts(pg_conn, "work_marts")
    return pg_conn


@pytest.fixture
def bi_login(postgres_server, pg_target, published):
    """A login a DBA would create for a dashboard: member of bi_reader, nothing else."""
    name, password = f"dashboard_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with published, published.cursor() as cur:
        cur.execute(f"create role {name} login password %s in role bi_reader", (password,))
    conn = psycopg2.connect(**{**pg_target.connect_kwargs(), "user": name, "password": password})
    conn.autocommit = True
    yield conn
    conn.close()
    with published, published.cursor() as cur:
        cur.execute(f"drop role {name}")


def _read(conn, table: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(f"select * from marts.{table}")
        return cur.fetchall()


def test_reader_selects_every_published_mart(bi_login):
    assert {table: _read(bi_login, table) for table in PUBLISHED_MARTS} == {
        table: [("52",)] for table in PUBLISHED_MARTS
    }


@pytest.mark.parametrize("statement, refusal", FORBIDDEN)
def test_reader_cannot_read_elsewhere_or_write(bi_login, statement, refusal):
    with pytest.raises(refusal), bi_login.cursor() as cur:
        cur.execute(statement)


def test_reader_keeps_access_after_the_next_publish_and_to_new_tables(published, bi_login):
    with published, published.cursor() as cur:
        cur.execute("update work_marts.dim_province set province_code = '91'")
    publish_marts(published, "work_marts")
    with published, published.cursor() as cur:
        cur.execute("create table marts.hotfix as select 1 as x")  # default privileges

    assert _read(bi_login, "dim_province") == [("91",)]
    assert _read(bi_login, "hotfix") == [(1,)]
