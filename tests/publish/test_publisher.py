"""Publishing: atomic swap, readers keep their snapshot, Parquet copies, snapshots and rollback."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.schema import ensure_raw_schema, store_rejections
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.publish.publisher import list_snapshots, publish, rollback
from orchestration.settings import WarehousePaths

STORAGE_VERSION_OF_DUCKDB_1_0 = 64


def _write_work_marts(paths: WarehousePaths, version: int) -> None:
    """A work database whose every mart holds one row tagged with `version`."""
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.work_db))
    con.execute("create schema if not exists marts")
    for table in PUBLISHED_MARTS:
        con.execute(f"create or replace table marts.{table} as select {version}::bigint as version")
    con.close()


def _version_in_new_process(db: Path, table: str = "dim_province") -> int:
    """Read through a fresh process: DuckDB caches open files per process."""
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        f"print(con.execute('select version from marts.{table}').fetchone()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.fixture
def paths(tmp_path: Path) -> WarehousePaths:
    return WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")


def test_publish_writes_every_mart_and_its_parquet_copy(paths):
    _write_work_marts(paths, version=1)
    result = publish(paths)

    con = duckdb.connect(str(paths.published_db), read_only=True)
    tables = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    con.close()
    assert tables == set(PUBLISHED_MARTS)
    assert result.row_counts == {table: 1 for table in PUBLISHED_MARTS}
    for table in PUBLISHED_MARTS:
        assert pq.read_table(paths.parquet_dir / f"{table}.parquet").to_pylist() == [{"version": 1}]
    leftovers = [p.name for p in paths.warehouse_dir.iterdir() if p.name.endswith((".tmp", ".wal"))]
    assert leftovers == []


def test_open_reader_keeps_its_snapshot_while_new_readers_see_the_new_file(paths):
    _write_work_marts(paths, version=1)
    publish(paths)
    reader = duckdb.connect(str(paths.published_db), read_only=True)
    assert reader.execute("select version from marts.dim_province").fetchone()[0] == 1

    _write_work_marts(paths, version=2)
    publish(paths)

    assert reader.execute("select version from marts.dim_province").fetchone()[0] == 1
    assert _version_in_new_process(paths.published_db) == 2
    reader.close()


def test_published_file_uses_storage_format_readable_by_duckdb_1_0(paths):
    _write_work_marts(paths, version=1)
    publish(paths)
    header = paths.published_db.read_bytes()[:20]
    # DuckDB file header: 8-byte checksum, magic "DUCK", then the storage version number.
    assert header[8:12] == b"DUCK"
    assert struct.unpack("<Q", header[12:20])[0] == STORAGE_VERSION_OF_DUCKDB_1_0


def test_keeps_the_last_snapshots_and_rolls_back_to_the_previous(paths):
    for version in range(1, 10):
        _write_work_marts(paths, version)
        publish(paths, keep=7)
    assert len(list_snapshots(paths)) == 7

    rollback(paths)
    assert _version_in_new_process(paths.published_db) == 8
    assert pq.read_table(paths.parquet_dir / "quality_issues.parquet").to_pylist() == [{"version": 8}]
    rollback(paths)
    assert _version_in_new_process(paths.published_db) == 7


def test_rollback_without_history_explains_why(paths):
    _write_work_marts(paths, version=1)
    publish(paths)
    with pytest.raises(RuntimeError, match="nothing to roll back to: 1 snapshot"):
        rollback(paths)
    assert _version_in_new_process(paths.published_db) == 1


def test_failed_publish_leaves_the_served_file_untouched(paths):
    _write_work_marts(paths, version=1)
    publish(paths)
    con = duckdb.connect(str(paths.work_db))
    con.execute("drop table marts.quality_issues")  # a broken build: one mart missing
    con.close()

    with pytest.raises(duckdb.CatalogException):
        publish(paths)
    assert _version_in_new_process(paths.published_db) == 1
    assert pq.read_table(paths.parquet_dir / "dim_province.parquet").to_pylist() == [{"version": 1}]
    assert [p.name for p in paths.warehouse_dir.rglob("*") if ".tmp" in p.name] == []


# quality_issues as the work database holds it: a view over the stored rejections and the
# refresh's findings (dbt's model, reduced to what the publish relies on: a view with `stage`).
QUALITY_ISSUES_VIEW = """
create or replace view marts.quality_issues as
select rule, source_file, source_row, source_file || reason as detail, 'ingestion' as stage
from raw.ingest_rejections
union all
select rule, source_file, null as source_row, detail, 'quality' as stage from main.findings
"""


def _rejections(load_id: int, rows: int) -> str:
    return f"""
    select 'h{load_id}' as file_hash, 'file-{load_id}.csv' as source_file, i as source_row,
           'ma_xa' as column_name, 'X' || i as value_seen, 'unit_not_valid' as rule, 'error' as severity,
           ', row ' || i || ' — retired' as reason, now()::timestamp as ingested_at, {load_id} as load_id
    from range({rows}) as t(i)
    """


def _work_with_quality_issues(paths: WarehousePaths, findings: list[str]) -> None:
    """The work database after a refresh: every mart, quality_issues the rejections and `findings`."""
    _write_work_marts(paths, version=1)
    con = duckdb.connect(str(paths.work_db))
    ensure_raw_schema(con)
    con.execute("drop table marts.quality_issues")
    con.execute("create or replace table main.findings (rule varchar, source_file varchar, detail varchar)")
    con.executemany("insert into main.findings values ('r1', 'f.csv', ?)", [[finding] for finding in findings])
    con.execute(QUALITY_ISSUES_VIEW)
    con.close()


def _quality_issues(db: Path, *, read_only: bool = True) -> list[tuple]:
    """quality_issues as BI reads it: a fresh connection, rows sorted."""
    con = duckdb.connect(str(db), read_only=read_only)
    try:
        return sorted(con.execute("select * from marts.quality_issues").fetchall(), key=repr)
    finally:
        con.close()


def _columns(db: Path) -> list[tuple]:
    """quality_issues' columns and types as BI's client lists them."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select column_name, column_type from (describe marts.quality_issues)").fetchall()


def test_quality_issues_published_is_the_work_database_s_after_every_kind_of_refresh(paths):
    _work_with_quality_issues(paths, ["first finding"])
    with duckdb.connect(str(paths.work_db)) as con:
        store_rejections(con, _rejections(load_id=1, rows=3000))

    def published_as_work_gives_it() -> None:
        publish(paths)
        rows = _quality_issues(paths.published_db)
        assert rows == _quality_issues(paths.work_db, read_only=False)
        assert _columns(paths.published_db) == _columns(paths.work_db)
        assert sorted(pq.read_table(paths.parquet_dir / "quality_issues.parquet").to_pylist(), key=repr) == sorted(
            (dict(zip(["rule", "source_file", "source_row", "detail", "stage"], row, strict=True)) for row in rows),
            key=repr,
        )
        con = duckdb.connect(str(paths.published_db), read_only=True)
        assert con.execute(
            "select table_type from information_schema.tables where table_name = 'quality_issues'"
        ).fetchall() == [("BASE TABLE",)]
        con.close()
        header = paths.published_db.read_bytes()[:20]
        assert struct.unpack("<Q", header[12:20])[0] == STORAGE_VERSION_OF_DUCKDB_1_0

    published_as_work_gives_it()
    with duckdb.connect(str(paths.work_db)) as con:  # a refresh with no rejection: other findings
        con.execute("delete from main.findings")
        con.execute("insert into main.findings values ('r2', 'g.csv', 'second finding'), ('r2', 'g.csv', 'third')")
    published_as_work_gives_it()
    with duckdb.connect(str(paths.work_db)) as con:  # a refresh bringing rejections
        store_rejections(con, _rejections(load_id=2, rows=5))
    published_as_work_gives_it()
    with duckdb.connect(str(paths.work_db)) as con:  # the model's wording changed
        con.execute(QUALITY_ISSUES_VIEW.replace("source_file || reason", "upper(source_file) || reason"))
    published_as_work_gives_it()
    assert len(_quality_issues(paths.published_db)) == 3000 + 5 + 2
