"""Publish the marts atomically: build aside, fsync, swap with os.replace (CONTRACT §5).

A BI reader that has the old file open keeps its consistent snapshot (the old inode); a new
reader opens the new file. Nothing is ever written in place, so a crash at any moment leaves the
previously published file intact.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.publish.marts import PUBLISHED_MARTS, PUBLISHED_SCHEMA
from orchestration.publish.snapshots import (
    Snapshot,
    all_snapshots,
    find_snapshot,
    served_index,
    served_snapshot,
    snapshot_path,
)
from orchestration.settings import WarehousePaths
from orchestration.wording import count

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


# quality_issues' rows of ingestion rejections: they change only when a file brings rejections.
REJECTIONS = "stage = 'ingestion'"
REJECTIONS_KEY = "quality_issues_rejections"  # in the snapshot's record

# What the rejections rows are made of: the stored rejections and the definitions of the work
# database's views (the mart's wording). No view, no key: on Spark and PostgreSQL quality_issues
# is pulled as a table.
_VIEWS_SQL = f"""
select string_agg(schema_name || '.' || view_name || ' ' || sql, ';' order by schema_name, view_name)
from duckdb_views()
where database_name = 'work' and not internal
having bool_or(schema_name = '{PUBLISHED_SCHEMA}' and view_name = 'quality_issues')
"""


def _rejections_key(con: duckdb.DuckDBPyConnection) -> str | None:
    from orchestration.quality.rejections import stored_version  # with pandas, which p06 rollback does not need

    views = con.execute(_VIEWS_SQL).fetchone()
    if views is None:
        return None
    try:
        stored = stored_version(con, "work.raw")
    except duckdb.CatalogException:
        return None
    return hashlib.sha256(repr((stored, views)).encode()).hexdigest()


def _served_rejections_key(paths: WarehousePaths) -> str | None:
    served = served_snapshot(paths)
    return served[0].info.get(REJECTIONS_KEY) if served else None


def _reuse_served_rejections(con: duckdb.DuckDBPyConnection, served: Path, target: Path) -> None:
    """The served file copied, its quality_issues left with the rejections rows only; every other
    mart dropped (the caller creates them again)."""
    shutil.copyfile(served, target)
    con.execute(f"attach {_sql_string(target)} as pub")
    tables = con.execute(
        f"select table_name from duckdb_tables() where database_name = 'pub' and schema_name = '{PUBLISHED_SCHEMA}'"
    ).fetchall()
    for (table,) in tables:
        if table != "quality_issues":
            con.execute(f"drop table pub.{PUBLISHED_SCHEMA}.{table}")
    con.execute(f"delete from pub.{PUBLISHED_SCHEMA}.quality_issues where not ({REJECTIONS})")


# quality_issues' text compressed with the methods DuckDB picks for a million rejected rows, named
# so its checkpoint does not try every method on every column (publish() -0.3 to -1.6 CPU s a
# million rows): FSST for a sentence per row, a dictionary for repeated texts. DuckDB 1.0 reads both;
# the table's SQL and columns are unchanged.
SENTENCES = {"detail"}


def _compression(name: str, kind: str) -> str:
    if kind != "VARCHAR":
        return ""
    return " using compression " + ("fsst" if name in SENTENCES else "dictionary")


def _create_quality_issues(con: duckdb.DuckDBPyConnection, work: str, pub: str) -> None:
    columns = con.execute(f"select column_name, column_type from (describe {work})").fetchall()
    definitions = ", ".join(f'"{name}" {kind}{_compression(name, kind)}' for name, kind in columns)
    con.execute(f"create table {pub} ({definitions})")
    con.execute(f"insert into {pub} select * from {work}")


def _build_published_file(paths: WarehousePaths, target: Path) -> tuple[dict[str, int], str | None]:
    """The published marts in `target`, and the key of the rejections rows it holds.

    When the served file holds the rejections rows the work database would give (same key), it
    is copied and only the rest written: a million rejections are not copied again by every
    later refresh."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {_sql_string(paths.work_db)} as work (read_only)")
        key = _rejections_key(con)
        reused = key is not None and paths.published_db.exists() and _served_rejections_key(paths) == key
        if reused:
            _reuse_served_rejections(con, paths.published_db, target)
        else:
            con.execute(f"attach {_sql_string(target)} as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')")
            con.execute(f"create schema pub.{PUBLISHED_SCHEMA}")
        counts = {}
        for table in PUBLISHED_MARTS:
            work, pub = f"work.{PUBLISHED_SCHEMA}.{table}", f"pub.{PUBLISHED_SCHEMA}.{table}"
            if reused and table == "quality_issues":
                con.execute(f"insert into {pub} select * from {work} where not ({REJECTIONS})")
            elif table == "quality_issues":
                _create_quality_issues(con, work, pub)
            else:
                con.execute(f"create table {pub} as select * from {work}")
            counts[table] = con.execute(f"select count(*) from {pub}").fetchone()[0]
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach work")
    finally:
        con.close()
    return counts, key


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
            con.execute(f"copy (select * from {PUBLISHED_SCHEMA}.{table}) to {_sql_string(tmp)} (format parquet)")
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


def _snapshot(
    paths: WarehousePaths, keep: int, now: datetime, run_id: str | None, counts: dict[str, int], rejections: str | None
) -> Path:
    """Keep the published file under a dated name (a hard link: no copy, same bytes)."""
    paths.snapshots_dir.mkdir(parents=True, exist_ok=True)
    snapshot = Snapshot(snapshot_path(paths, now))
    _link_or_copy(paths.published_db, snapshot.path)
    snapshot.record(run_id=run_id, row_counts=counts, **{REJECTIONS_KEY: rejections})
    for old in all_snapshots(paths)[:-keep]:
        old.remove()
    return snapshot.path


def list_snapshots(paths: WarehousePaths) -> list[Path]:
    """Published snapshots, oldest first."""
    return [snapshot.path for snapshot in all_snapshots(paths)]


def publish(
    paths: WarehousePaths,
    *,
    keep: int = DEFAULT_SNAPSHOTS_KEPT,
    now: datetime | None = None,
    run_id: str | None = None,
) -> PublishResult:
    """Copy the marts of the work database into a new p06.duckdb and swap it in atomically."""
    now = now or datetime.now(UTC)
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with _temporary_database(paths.published_db) as tmp:
        counts, rejections = _build_published_file(paths, tmp)
        _serve(tmp, paths)
    snapshot = _snapshot(paths, keep, now, run_id, counts, rejections)
    return PublishResult(paths.published_db, snapshot, counts)


def _previous(snapshots: list[Snapshot], served: int | None) -> int:
    """The newest snapshot older than the served one that no rollback moved away from."""
    candidates = range(len(snapshots) if served is None else served)
    for index in reversed(candidates):
        if not snapshots[index].rolled_back_at:
            return index
    raise RuntimeError(
        f"nothing to roll back to: {count(len(snapshots), 'snapshot')}, none older than the served marts "
        "that was not rolled back already (p06 snapshots lists them, p06 rollback --to ID serves any)"
    )


def rollback(paths: WarehousePaths, to: str | None = None, *, now: datetime | None = None) -> Path:
    """Serve an earlier snapshot again: `to` (an id), else the one published before the served one.

    Every snapshot is kept. Leaving a snapshot for an older one marks it rolled back, so a plain
    rollback later (even after new publishes) never serves it again; `to` still can.
    """
    now = now or datetime.now(UTC)
    if not paths.published_db.exists():
        raise RuntimeError(f"nothing is published yet: {paths.published_db} does not exist")
    snapshots = all_snapshots(paths)
    served = served_index(paths, snapshots)
    target = find_snapshot(snapshots, to) if to else snapshots[_previous(snapshots, served)]
    with _temporary_database(paths.published_db) as tmp:
        _link_or_copy(target.path, tmp)
        _serve(tmp, paths)
    if served is not None and snapshots[served].path != target.path and snapshots[served].id > target.id:
        snapshots[served].record(rolled_back_at=now.isoformat())
    target.record(rolled_back_at=None)
    return target.path
