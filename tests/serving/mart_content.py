"""What a BI user would see, reduced to comparable digests: per table, row count and content hash."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.settings import WarehousePaths

# Every row rendered as text, sorted, hashed: equal digests mean equal tables, row order aside.
_TABLE_DIGEST = (
    "select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
    "from {relation} t"
)


def _digests(con: duckdb.DuckDBPyConnection, relation_of: dict[str, str]) -> dict[str, tuple[int, str]]:
    return {
        table: con.execute(_TABLE_DIGEST.format(relation=relation)).fetchone()
        for table, relation in relation_of.items()
    }


def served_marts(paths: WarehousePaths) -> dict[str, tuple[int, str]]:
    """Digest of every mart in the served p06.duckdb, opened read-only like a BI tool."""
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        return _digests(con, {table: f"marts.{table}" for table in PUBLISHED_MARTS})
    finally:
        con.close()


def served_parquet(paths: WarehousePaths) -> dict[str, tuple[int, str]]:
    """Digest of every served Parquet copy, by its content."""
    con = duckdb.connect()
    try:
        return _digests(con, {
            table: f"read_parquet('{paths.parquet_dir / f'{table}.parquet'}')" for table in PUBLISHED_MARTS
        })
    finally:
        con.close()


def served_bytes(paths: WarehousePaths) -> dict[str, str]:
    """SHA-256 of every served file: the database and its Parquet copies."""
    served = [paths.published_db, *(paths.parquet_dir / f"{table}.parquet" for table in PUBLISHED_MARTS)]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in served}


def temp_files(paths: WarehousePaths) -> list[str]:
    """Leftovers of an interrupted publish (hidden temporary names), never served."""
    return sorted(
        path.name for folder in (paths.warehouse_dir, paths.parquet_dir) if folder.is_dir()
        for path in folder.iterdir() if path.name.startswith(".") and ".tmp" in path.name
    )


def copy_warehouse(source: WarehousePaths, target_dir: Path) -> WarehousePaths:
    """A private copy of a built warehouse, so each test starts from the same published state."""
    shutil.copytree(source.warehouse_dir, target_dir)
    return WarehousePaths(raw_dir=source.raw_dir, warehouse_dir=target_dir)
