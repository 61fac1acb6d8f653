"""Rollback picks the right snapshot whatever happened before it, and keeps every one (real files)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from mart_content import publish_tagged_marts

from orchestration.publish.publisher import list_snapshots, rollback
from orchestration.publish.snapshots import all_snapshots, served_snapshot
from orchestration.settings import WarehousePaths


def _served_version(paths: WarehousePaths) -> int:
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        return con.execute("select version from marts.fct_indicator_value").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def paths(tmp_path: Path) -> WarehousePaths:
    paths = WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    for version in (1, 2, 3):
        publish_tagged_marts(paths, version)
    return paths


def test_rollback_after_a_publish_killed_before_its_snapshot_serves_the_one_before(paths):
    list_snapshots(paths)[-1].unlink()  # what a kill between the swap and the snapshot leaves

    rollback(paths)

    assert _served_version(paths) == 2


def test_a_publish_after_a_rollback_never_makes_the_rolled_back_marts_the_previous_ones(paths):
    rollback(paths)  # version 3 was wrong
    publish_tagged_marts(paths, 4)

    rollback(paths)

    assert _served_version(paths) == 2


def test_rollback_keeps_the_newer_snapshot_and_can_be_undone(paths):
    newest = all_snapshots(paths)[-1]

    rollback(paths)

    assert [s.id for s in all_snapshots(paths)][-1] == newest.id
    served, newer_exist = served_snapshot(paths)
    assert (_served_version(paths), newer_exist) == (2, True)
    assert all_snapshots(paths)[-1].rolled_back_at is not None

    rollback(paths, newest.id)

    assert _served_version(paths) == 3
    assert served_snapshot(paths)[1] is False
    assert all_snapshots(paths)[-1].rolled_back_at is None


def test_rollback_to_any_snapshot_by_id_in_either_direction(paths):
    first, second, _ = all_snapshots(paths)

    rollback(paths, first.path.name)  # the file name works as well as the id
    assert _served_version(paths) == 1

    rollback(paths, second.id)
    assert _served_version(paths) == 2
    assert served_snapshot(paths)[0].id == second.id


def test_rollback_to_an_unknown_snapshot_names_the_known_ones_and_serves_the_same(paths):
    known = [s.id for s in all_snapshots(paths)]

    with pytest.raises(LookupError, match=f"no snapshot 'nope'; snapshots: {', '.join(known)}"):
        rollback(paths, "nope")

    assert _served_version(paths) == 3


def test_rollback_works_on_a_copied_warehouse_where_snapshots_are_no_longer_hard_links(paths, tmp_path):
    copied = WarehousePaths(paths.raw_dir, tmp_path / "copied")
    copied.warehouse_dir.mkdir()
    for source in (paths.published_db, *paths.snapshots_dir.iterdir()):
        target = copied.warehouse_dir / source.relative_to(paths.warehouse_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())

    rollback(copied)

    assert _served_version(copied) == 2


def test_rollback_with_nothing_published_explains_why(tmp_path):
    empty = WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    with pytest.raises(RuntimeError, match="nothing is published yet"):
        rollback(empty)
