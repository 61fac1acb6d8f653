"""The PostgreSQL steps of a refresh: tables cross between DuckDB and PostgreSQL where the job needs them."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from orchestration.ingest.schema import ensure_raw_schema
from orchestration.ingest.store import append_values
from orchestration.postgres import refresh
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.quality.schema import ensure_findings_table
from orchestration.warehouse.engines import engine_for

VALUE = (
    "h1",
    "ha_noi.csv",
    None,
    2,
    "01",
    date(2008, 8, 1),
    None,
    "2024",
    "year",
    date(2024, 1, 1),
    date(2024, 12, 31),
    "VNEID_ISSUED",
    7_000_000.0,
    datetime(2025, 1, 10),
    datetime(2025, 1, 11, 9, 30),
    1,
    None,
)


def _pg_rows(target, query: str) -> list[tuple]:
    conn = target.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()
    finally:
        conn.close()


def _run_as_dbt_would(target, *statements: str) -> None:
    conn = target.connect()
    try:
        with conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def test_no_url_leaves_dbt_on_duckdb():
    engine = engine_for("")
    assert (engine.dbt_target, engine.dbt_vars()) == ("duckdb", {})


def test_url_selects_the_postgres_profile():
    engine = engine_for("postgresql://p06:pw@db:5433/kho")
    assert engine.dbt_target == "postgres"
    assert (engine.dbt_vars()["pg_host"], engine.dbt_vars()["pg_port"], engine.dbt_vars()["pg_dbname"]) == (
        "db",
        "5433",
        "kho",
    )


def test_steps_carry_each_table_where_the_next_step_reads_it(tmp_path, pg_target):
    duck = duckdb.connect(str(tmp_path / "work.duckdb"))
    ensure_raw_schema(duck)
    ensure_findings_table(duck)
    duck.execute("create temp table new_values as select * from raw.indicator_values limit 0")
    duck.execute(f"insert into new_values values ({', '.join('?' * len(VALUE))})", list(VALUE))
    append_values(duck, duck.execute("select * from new_values").arrow().read_all())

    refresh.push_raw(duck, pg_target)
    assert _pg_rows(pg_target, "select * from raw.indicator_values") == [VALUE]

    candidates_in_duckdb = next(iter(refresh.QUALITY_INPUTS))
    _run_as_dbt_would(
        pg_target,
        "create schema work_intermediate",
        "create table work_intermediate.int_indicator_values_resolved as select * from raw.indicator_values",
        "create schema work_marts",
        *(f"create table work_marts.{table} as select * from raw.indicator_values" for table in PUBLISHED_MARTS),
    )
    assert refresh.pull_quality_inputs(duck, pg_target) == {table: 1 for table in refresh.QUALITY_INPUTS}
    assert duck.execute(f"select * from {candidates_in_duckdb}").fetchall() == [VALUE]

    duck.execute(
        "insert into quality.findings values ('percent_within_0_100', 'error', '01', "
        "date '2008-08-01', '2024', 'VNEID_ISSUED', 'ha_noi.csv', null, 2, 7e6, 'x', true)"
    )
    refresh.push_findings(duck, pg_target)
    assert _pg_rows(pg_target, "select rule, quarantined from quality.findings") == [("percent_within_0_100", True)]

    assert refresh.pull_marts(duck, pg_target, refresh.GATE_INPUTS) == {
        "marts.fct_indicator_value": 1,
        "marts.submission_status": 1,
    }
    assert refresh.pull_marts(duck, pg_target) == {f"marts.{table}": 1 for table in PUBLISHED_MARTS}
    assert refresh.publish(pg_target) == {table: 1 for table in PUBLISHED_MARTS}
    assert _pg_rows(pg_target, "select * from marts.fct_indicator_value") == [VALUE]
