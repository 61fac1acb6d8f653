"""Publish the marts atomically: build aside, fsync, swap with os.replace (CONTRACT §5).

A BI reader that has the old file open keeps its consistent snapshot (the old inode); a new
reader opens the new file. Nothing is ever written in place, so a crash at any moment leaves the
previously published file intact.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.publish.marts import PUBLISHED_MARTS, PUBLISHED_SCHEMA
from orchestration.settings import WarehousePaths

# DuckDB 1.x clients (most BI drivers) cannot read newer storage formats.
PUBLISHED_STORAGE_VERSION = "v1.0.0"
DEFAULT_SNAPSHOTS_KEPT = 7


@dataclass(frozen=True)
class PublishResult:
    published_db: Path
    snapshot: Path
    row_counts: dict[str, int]


def _sql_string(path: Path) -> str:
    """A path as a SQL string literal (ATTACH and COPY take no bind parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(tmp: Path, final: Path) -> None:
    _fsync(tmp)
    os.replace(tmp, final)
    _fsync(final.parent)


def _temp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")


def remove_stale_temp_files(paths: WarehousePaths) -> None:
    """Leftovers of a publish that was killed midway: never served, safe to delete."""
    for directory in (paths.warehouse_dir, paths.parquet_dir):
        if directory.is_dir():
            for leftover in directory.glob(".*.tmp*"):
                leftover.unlink(missing_ok=True)


def _build_published_file(work_db: Path, target: Path) -> dict[str, int]:
    con = duckdb.connect()
    try:
        con.execute(f"attach {_sql_string(work_db)} as work (read_only)")
        con.execute(
            f"attach {_sql_string(target)} as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')"
        )
        con.execute(f"create schema pub.{PUBLISHED_SCHEMA}")
        counts = {}
        for table in PUBLISHED_MARTS:
            con.execute(
                f"create table pub.{PUBLISHED_SCHEMA}.{table} as "
                f"select * from work.{PUBLISHED_SCHEMA}.{table}"
            )
            counts[table] = con.execute(
                f"select count(*) from pub.{PUBLISHED_SCHEMA}.{table}"
            ).fetchone()[0]
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach work")
    finally:
        con.close()
    return counts


def _write_parquet(source_db: Path, parquet_dir: Path) -> None:
    parquet_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(source_db), read_only=True)
    try:
        for table in PUBLISHED_MARTS:
            final = parquet_dir / f"{table}.parquet"
            tmp = _temp_name(final)
            con.execute(
                f"copy (select * from {PUBLISHED_SCHEMA}.{table}) to {_sql_string(tmp)} (format parquet)"
            )
            _swap_in(tmp, final)
    finally:
        con.close()


def _snapshot(paths: WarehousePaths, keep: int, now: datetime) -> Path:
    """Keep the published file under a dated name (a hard link: no copy, same bytes)."""
    paths.snapshots_dir.mkdir(parents=True, exist_ok=True)
    snapshot = paths.snapshots_dir / f"p06-{now:%Y%m%dT%H%M%S%fZ}.duckdb"
    try:
        os.link(paths.published_db, snapshot)
    except OSError:
        shutil.copy2(paths.published_db, snapshot)
    for old in list_snapshots(paths)[:-keep]:
        old.unlink()
    return snapshot


def list_snapshots(paths: WarehousePaths) -> list[Path]:
    """Published snapshots, oldest first."""
    if not paths.snapshots_dir.is_dir():
        return []
    return sorted(paths.snapshots_dir.glob("p06-*.duckdb"))


def publish(paths: WarehousePaths, *, keep: int = DEFAULT_SNAPSHOTS_KEPT, now: datetime | None = None) -> PublishResult:
    """Copy the marts of the work database into a new p06.duckdb and swap it in atomically."""
    now = now or datetime.now(timezone.utc)
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(paths.published_db)
    try:
        counts = _build_published_file(paths.work_db, tmp)
        _write_parquet(tmp, paths.parquet_dir)
        _swap_in(tmp, paths.published_db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    snapshot = _snapshot(paths, keep, now)
    return PublishResult(paths.published_db, snapshot, counts)


def rollback(paths: WarehousePaths) -> Path:
    """Serve the snapshot published before the current one again; returns the snapshot used."""
    snapshots = list_snapshots(paths)
    if len(snapshots) < 2:
        raise RuntimeError(
            f"nothing to roll back to: {len(snapshots)} snapshot(s) in {paths.snapshots_dir}"
        )
    current, previous = snapshots[-1], snapshots[-2]
    tmp = _temp_name(paths.published_db)
    try:
        shutil.copyfile(previous, tmp)
        _write_parquet(tmp, paths.parquet_dir)
        _swap_in(tmp, paths.published_db)
    finally:
        tmp.unlink(missing_ok=True)
    # The rolled-back snapshot is no longer a candidate for the next rollback.
    current.unlink()
    return previous
