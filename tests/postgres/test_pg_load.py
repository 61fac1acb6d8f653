"""Copying the work database's tables to PostgreSQL and back: exact values, idempotent, incremental."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.schema import ensure_raw_schema
from orchestration.ingest.store import append_values
from orchestration.postgres.load import pull_table, push_tables
from orchestration.quality.schema import ensure_findings_table
from orchestration.warehouse.layout import FINDINGS_TABLE, RAW_TABLES

# Values that a CSV round trip gets wrong when done carelessly: NULL vs '', quotes, separators,
# newlines, Vietnamese text in NFC and NFD, doubles that print long, microseconds.
TRICKY_SOURCES = [
    ("synthetic/Bình Định 2024.csv", None, 96.3),
    ('q"uoted;file,name.csv', "", 1 / 3),
    ("line\nbreak.xlsx", "ChiTieu", 1224975.0),
    ("nfd/Thừa Thiên Huế.json", "NhiemVu", 0.1 + 0.2),
]


def _add_values(
    con: duckdb.DuckDBPyConnection, load_id: int, rows: list[tuple], ingested_at=datetime(2025, 1, 16, 0, 0, 0, 7)
) -> None:
    con.execute("create or replace temp table new_values as select * from raw.indicator_values limit 0")
    for n, (source_file, sheet, value) in enumerate(rows, start=2):
        con.execute(
            "insert into new_values values "
            "(?, ?, ?, ?, '52', date '2008-08-01', null, '2024', 'year', date '2024-01-01', "
            "date '2024-12-31', 'VNEID_ISSUED', ?, ?, ?, ?, null)",
            [
                f"hash{load_id}",
                source_file,
                sheet,
                n,
                value,
                datetime(2025, 1, 15, 8, 30, 1, 123456),
                ingested_at,
                load_id,
            ],
        )
    append_values(con, con.execute("select * from new_values").arrow().read_all())
    con.execute(
        "insert into raw.ingested_files values (?, ?, 'csv_long', 100, 'ingested', ?, 0, ?, ?)",
        [f"hash{load_id}", rows[0][0], len(rows), load_id, ingested_at],
    )


@pytest.fixture
def work_db(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    ensure_raw_schema(con)
    ensure_findings_table(con)
    _add_values(con, load_id=1, rows=TRICKY_SOURCES)
    yield con
    con.close()


def _duck_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def _pg_rows(cur, table: str) -> list[tuple]:
    cur.execute(f"select * from {table}")
    return sorted(cur.fetchall(), key=repr)


def _assert_same(work_db, pg_conn, tables) -> None:
    with pg_conn.cursor() as cur:
        for table in tables:
            assert _pg_rows(cur, table) == _duck_rows(work_db, table), table


def test_push_copies_every_value_exactly(work_db, pg_conn):
    copies = push_tables(work_db, pg_conn, RAW_TABLES)
    _assert_same(work_db, pg_conn, RAW_TABLES)
    with pg_conn.cursor() as cur:
        cur.execute("select sheet, value from raw.indicator_values where source_file like 'q%'")
        assert cur.fetchall() == [("", 1 / 3)]  # an empty sheet name stays empty, not NULL
    assert {c.table: c.rows for c in copies} == {
        "raw.ingested_files": 1,
        "raw.indicator_values": 4,
        "raw.task_rows": 0,
        "raw.ingest_rejections": 0,
    }


def test_second_push_copies_only_new_loads(work_db, pg_conn):
    push_tables(work_db, pg_conn, RAW_TABLES)
    again = push_tables(work_db, pg_conn, RAW_TABLES)
    assert [c.rows for c in again] == [0, 0, 0, 0]

    _add_values(work_db, load_id=2, rows=[("resubmitted.csv", None, 1124445.0)])
    newer = {c.table: (c.mode, c.rows) for c in push_tables(work_db, pg_conn, RAW_TABLES)}
    assert newer["raw.indicator_values"] == ("append", 1)
    _assert_same(work_db, pg_conn, RAW_TABLES)


def test_rebuilt_work_database_replaces_what_postgres_holds(work_db, pg_conn, tmp_path):
    push_tables(work_db, pg_conn, RAW_TABLES)
    rebuilt = duckdb.connect(str(tmp_path / "rebuilt.duckdb"))
    ensure_raw_schema(rebuilt)
    # the same file ingested again into a new work database: same hash and load, a later time
    _add_values(rebuilt, load_id=1, rows=TRICKY_SOURCES, ingested_at=datetime(2025, 2, 1))

    copies = {c.table: (c.mode, c.rows) for c in push_tables(rebuilt, pg_conn, RAW_TABLES)}
    assert copies["raw.indicator_values"] == ("replace", len(TRICKY_SOURCES))
    _assert_same(rebuilt, pg_conn, RAW_TABLES)


def test_findings_are_replaced_wholesale(work_db, pg_conn):
    finding = (
        "insert into quality.findings values (?, 'error', '52', date '2008-08-01', '2024', "
        "'VNEID_ACTIVATED', 'a.csv', null, 4, 1.5, 'activated > issued', true)"
    )
    work_db.execute(finding, ["vneid_activated_le_issued"])
    push_tables(work_db, pg_conn, [FINDINGS_TABLE])
    work_db.execute("delete from quality.findings")
    work_db.execute(finding, ["vneid_issued_le_eligible"])
    (copy,) = push_tables(work_db, pg_conn, [FINDINGS_TABLE])
    assert (copy.mode, copy.rows) == ("replace", 1)
    with pg_conn.cursor() as cur:
        cur.execute("select rule from quality.findings")
        assert cur.fetchall() == [("vneid_issued_le_eligible",)]


def test_a_failing_table_leaves_postgres_unchanged(work_db, pg_conn):
    with pytest.raises(LookupError, match="no table raw.not_there"):
        push_tables(work_db, pg_conn, ["raw.indicator_values", "raw.not_there"])
    with pg_conn.cursor() as cur:
        cur.execute("select count(*) from pg_namespace where nspname = 'raw'")
        assert cur.fetchone() == (0,)


def test_pull_brings_a_postgres_table_back_unchanged(work_db, pg_conn, tmp_path):
    work_db.execute(
        "insert into quality.findings values (?, 'error', '52', date '2008-08-01', '2024', 'X', 'a.csv', null, "
        "4, 1.5, 'x', ?)",
        ["one_value_per_key", True],
    )
    work_db.execute("insert into quality.findings select * replace (false as quarantined) from quality.findings")
    push_tables(work_db, pg_conn, ["raw.indicator_values", FINDINGS_TABLE])
    elsewhere = duckdb.connect(str(tmp_path / "other.duckdb"))
    assert pull_table(pg_conn, elsewhere, "raw.indicator_values") == len(TRICKY_SOURCES)
    assert pull_table(pg_conn, elsewhere, FINDINGS_TABLE) == 2
    for table in ("raw.indicator_values", FINDINGS_TABLE):
        assert _duck_rows(elsewhere, table) == _duck_rows(work_db, table)
    types = dict(
        elsewhere.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'indicator_values'"
        ).fetchall()
    )
    assert (types["value"], types["period_start"], types["submitted_at"]) == ("DOUBLE", "DATE", "TIMESTAMP")


def test_pull_of_an_empty_table_keeps_its_columns_and_types(work_db, pg_conn):
    push_tables(work_db, pg_conn, ["raw.task_rows"])
    assert pull_table(pg_conn, work_db, "raw.task_rows", into="copied.task_rows") == 0
    columns = (
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = 'task_rows' order by ordinal_position"
    )
    assert work_db.execute(columns, ["copied"]).fetchall() == work_db.execute(columns, ["raw"]).fetchall()
