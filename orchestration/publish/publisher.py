"""Publish the marts atomically: build aside, fsync, swap with os.replace (CONTRACT §5).

A BI reader that has the old file open keeps its consistent snapshot (the old inode); a new
reader opens the new file. Nothing is ever written in place, so a crash at any moment leaves the
previously published file intact.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

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


def _temp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (no copy, same bytes), or a copy where the file system has no links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@contextmanager
def _temporary_database(final: Path) -> Iterator[Path]:
    """A temporary name beside `final`; whatever is left under it (and its WAL) is removed."""
    tmp = _temp_name(final)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def remove_stale_temp_files(paths: WarehousePaths) -> None:
    """Leftovers of a publish that was killed midway: never served, safe to delete.

    Only the publisher's own temporary names: other writers (the run summary) have theirs.
    """
    patterns = {
        paths.warehouse_dir: f".{paths.published_db.name}.*.tmp*",  # with its .wal
        paths.parquet_dir: ".*.parquet.*.tmp",
    }
    for directory, pattern in patterns.items():
        if directory.is_dir():
            for leftover in directory.glob(pattern):
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


def _stage_parquet(source_db: Path, parquet_dir: Path) -> dict[Path, Path]:
    """Write every Parquet copy under a temporary name; returns {temporary: final}.

    Nothing is renamed here, so a crash while writing leaves every served copy as it was.
    """
    parquet_dir.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, Path] = {}
    con = duckdb.connect(str(source_db), read_only=True)
    try:
        for table in PUBLISHED_MARTS:
            final = parquet_dir / f"{table}.parquet"
            tmp = _temp_name(final)
            staged[tmp] = final
            con.execute(
                f"copy (select * from {PUBLISHED_SCHEMA}.{table}) to {_sql_string(tmp)} (format parquet)"
            )
            _fsync(tmp)
    finally:
        con.close()
    return staged


def _serve(db_tmp: Path, paths: WarehousePaths) -> None:
    """Stage the Parquet copies of db_tmp, then swap in the database and every copy.

    Only renames happen after everything is written, so the served database and its Parquet
    copies change together (up to the few renames), and a failure before that changes nothing.
    """
    staged: dict[Path, Path] = {}
    try:
        staged = _stage_parquet(db_tmp, paths.parquet_dir)
        _fsync(db_tmp)
        os.replace(db_tmp, paths.published_db)
        for tmp, final in staged.items():
            os.replace(tmp, final)
        _fsync(paths.parquet_dir)
        _fsync(paths.warehouse_dir)
    finally:
        for leftover in staged:
            leftover.unlink(missing_ok=True)


def _snapshot(paths: WarehousePaths, keep: int, now: datetime) -> Path:
    """Keep the published file under a dated name (a hard link: no copy, same bytes)."""
    paths.snapshots_dir.mkdir(parents=True, exist_ok=True)
    snapshot = paths.snapshots_dir / f"p06-{now:%Y%m%dT%H%M%S%fZ}.duckdb"
    _link_or_copy(paths.published_db, snapshot)
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
    with _temporary_database(paths.published_db) as tmp:
        counts = _build_published_file(paths.work_db, tmp)
        _serve(tmp, paths)
    snapshot = _snapshot(paths, keep, now)
    return PublishResult(paths.published_db, snapshot, counts)


def _served_index(paths: WarehousePaths, snapshots: list[Path]) -> int | None:
    """Which snapshot p06.duckdb is (newest match first), or None if it is none of them.

    None happens when a publish was killed between the swap and the snapshot: the newest
    snapshot is then the one served before.
    """
    for index in reversed(range(len(snapshots))):
        if os.path.samefile(snapshots[index], paths.published_db) or filecmp.cmp(
            snapshots[index], paths.published_db, shallow=False
        ):
            return index
    return None


def rollback(paths: WarehousePaths) -> Path:
    """Serve the snapshot published before the current one again; returns the snapshot used.

    Snapshots newer than the one restored are deleted, so the next rollback goes further back
    and a later publish never makes the rolled-back marts "the previous ones" again.
    """
    snapshots = list_snapshots(paths)
    if not paths.published_db.exists():
        raise RuntimeError(f"nothing is published yet: {paths.published_db} does not exist")
    served = _served_index(paths, snapshots)
    target = len(snapshots) - 1 if served is None else served - 1
    if target < 0:
        raise RuntimeError(
            f"nothing to roll back to: {len(snapshots)} snapshot(s) in {paths.snapshots_dir}, "
            "none older than the served marts"
        )
    previous = snapshots[target]
    with _temporary_database(paths.published_db) as tmp:
        _link_or_copy(previous, tmp)
        _serve(tmp, paths)
    for newer in snapshots[target + 1 :]:
        newer.unlink()
    return previous
