"""Publishing: atomic swap, readers keep their snapshot, Parquet copies, snapshots and rollback."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

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
