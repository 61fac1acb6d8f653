"""What a BI user would see, reduced to comparable digests: per table, row count and content hash."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.publish.publisher import publish
from orchestration.settings import WarehousePaths

# When and in which refresh the platform read a file: by design these differ between a full
# rebuild and the incremental path (or a run that was killed and resumed); the figures do not.
PROCESSING_COLUMNS = ("ingested_at", "load_id")
# A log of the refreshes themselves: it gains rows with every refresh, by design.
COMPARED_MARTS = tuple(table for table in PUBLISHED_MARTS if table != "quality_history")

# Every row rendered as text, sorted, hashed: equal digests mean equal tables, row order aside.
_TABLE_DIGEST = (
    "select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
    "from (select {columns} from {relation}) t"
)


def _digests(
    con: duckdb.DuckDBPyConnection, relation_of: dict[str, str], without: tuple[str, ...]
) -> dict[str, tuple[int, str]]:
    digests = {}
    for table, relation in relation_of.items():
        names = [column[0] for column in con.execute(f"select * from {relation} limit 0").description]
        columns = ", ".join(f'"{name}"' for name in names if name not in without)
        digests[table] = con.execute(_TABLE_DIGEST.format(columns=columns, relation=relation)).fetchone()
    return digests


def served_marts(paths: WarehousePaths, without: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Digest of every mart but the refresh log in the served p06.duckdb (opened read-only like a
    BI tool), leaving out the columns `without`."""
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        return _digests(con, {table: f"marts.{table}" for table in COMPARED_MARTS}, without)
    finally:
        con.close()


def served_parquet(paths: WarehousePaths, without: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Digest of every served Parquet copy, by its content, leaving out the columns `without`."""
    con = duckdb.connect()
    try:
        return _digests(
            con,
            {table: f"read_parquet('{paths.parquet_dir / f'{table}.parquet'}')" for table in COMPARED_MARTS},
            without,
        )
    finally:
        con.close()


def served_bytes(paths: WarehousePaths) -> dict[str, str]:
    """SHA-256 of every served file: the database and its Parquet copies."""
    served = [paths.published_db, *(paths.parquet_dir / f"{table}.parquet" for table in PUBLISHED_MARTS)]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in served}


def temp_files(paths: WarehousePaths) -> list[str]:
    """Hidden temporaries of the served files, which an interrupted publish leaves behind."""
    beside_db = paths.warehouse_dir.glob(f".{paths.published_db.name}.*")
    beside_parquet = paths.parquet_dir.glob(".*") if paths.parquet_dir.is_dir() else []
    return sorted(path.name for path in (*beside_db, *beside_parquet))


def copy_warehouse(source: WarehousePaths, target_dir: Path) -> WarehousePaths:
    """A private copy of a built warehouse, so each test starts from the same published state."""
    shutil.copytree(source.warehouse_dir, target_dir)
    return WarehousePaths(raw_dir=source.raw_dir, warehouse_dir=target_dir)


def write_tagged_marts(paths: WarehousePaths, version: int, rows: int = 1) -> None:
    """Work-database marts whose every table holds `rows` rows tagged with `version`."""
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.work_db))
    try:
        con.execute("create schema if not exists marts")
        for table in PUBLISHED_MARTS:
            con.execute(
                f"create or replace table marts.{table} as "
                f"select {version}::bigint as version, md5(i::varchar) as filler from range({rows}) r(i)"
            )
    finally:
        con.close()


def publish_tagged_marts(paths: WarehousePaths, version: int, rows: int = 1) -> None:
    write_tagged_marts(paths, version, rows)
    publish(paths)
