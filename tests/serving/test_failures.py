"""Permission denied, a database file held by another program, a full disk: the refresh says what
went wrong, exits 1, and the marts BI tools read stay exactly as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from mart_content import (
    copy_warehouse,
    publish_tagged_marts,
    served_bytes,
    served_marts,
    temp_files,
    write_tagged_marts,
)
from refresh_process import LoggedProcess, run_refresh

from orchestration.publish.publisher import publish
from orchestration.settings import WarehousePaths

HOLD_WRITE_CONNECTION = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); sys.stdin.read()"
)
TMPFS_SIZE = "512m"  # room to set a warehouse up, before the file system is shrunk to nearly full
TMPFS_HEADROOM_BYTES = 256 << 10  # what is left free for the run under test


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount not permitted here: {done.stderr.strip()}")


@contextmanager
def _read_only(directory: Path) -> Iterator[None]:
    """The directory read-only: by its mode for an ordinary user; root ignores modes, so a
    read-only bind mount there."""
    if os.geteuid() != 0:
        mode = directory.stat().st_mode
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(mode)
        return
    _mount("--bind", str(directory), str(directory))
    try:
        _mount("-o", "remount,bind,ro", str(directory))
        yield
    finally:
        subprocess.run(["umount", str(directory)], check=True)


@contextmanager
def _tmpfs(directory: Path) -> Iterator[None]:
    directory.mkdir()
    _mount("-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(directory))
    try:
        yield
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def _fill_up(mount_point: Path) -> None:
    """Shrink the tmpfs to what it holds now plus a little headroom: the disk is all but full."""
    size = shutil.disk_usage(mount_point).used + TMPFS_HEADROOM_BYTES
    _mount("-o", f"remount,size={size}", str(mount_point))


def _summary_error(result: subprocess.CompletedProcess) -> str:
    return result.stdout.partition("\n  error  : ")[2]


def _assert_failed_cleanly(result: subprocess.CompletedProcess, *explanations: str) -> None:
    """Exit 1 and a summary whose error names what went wrong (one of `explanations`)."""
    assert result.returncode == 1, result.stdout
    assert "refresh failed" in result.stdout
    assert any(text in _summary_error(result) for text in explanations), result.stdout


@pytest.fixture
def paths(history_warehouse, tmp_path) -> WarehousePaths:
    return copy_warehouse(history_warehouse, tmp_path / "warehouse")


def test_read_only_warehouse_dir(paths, raw_sets):
    served_before = served_bytes(paths)

    with _read_only(paths.warehouse_dir):
        result = run_refresh(raw_sets.complete, paths.warehouse_dir)

    _assert_failed_cleanly(result, "Read-only file system", "Permission denied")
    assert str(paths.warehouse_dir) in _summary_error(result)  # where
    assert served_bytes(paths) == served_before


def test_work_database_held_by_another_program(paths, raw_sets):
    served_before = served_bytes(paths)

    with LoggedProcess([sys.executable, "-c", HOLD_WRITE_CONNECTION, str(paths.work_db)]) as holder:
        holder.wait_for_line("holding")
        result = run_refresh(raw_sets.complete, paths.warehouse_dir)
        holder.close_stdin()
        holder.wait()

    _assert_failed_cleanly(result, f'Could not set lock on file "{paths.work_db}"')
    assert f"(PID {holder.process.pid})" in _summary_error(result)  # who holds it: the operator can act
    assert served_bytes(paths) == served_before


def test_disk_full(history_warehouse, raw_sets, tmp_path):
    mount_point = tmp_path / "tmpfs"
    with _tmpfs(mount_point):
        paths = copy_warehouse(history_warehouse, mount_point / "warehouse")
        served_before, marts_before = served_bytes(paths), served_marts(paths)
        _fill_up(mount_point)

        result = run_refresh(raw_sets.complete, paths.warehouse_dir)

        _assert_failed_cleanly(result, "No space left on device", "disk is full")
        assert served_bytes(paths) == served_before
        assert served_marts(paths) == marts_before
        assert temp_files(paths) == []


def test_publish_on_a_full_disk_fails_leaving_the_served_files_and_no_temp_files(tmp_path):
    mount_point = tmp_path / "tmpfs"
    with _tmpfs(mount_point):
        paths = WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=mount_point / "warehouse")
        publish_tagged_marts(paths, version=1, rows=50_000)
        write_tagged_marts(paths, version=2, rows=50_000)
        served_before = served_bytes(paths)
        _fill_up(mount_point)

        with pytest.raises(duckdb.Error, match="No space left on device"):
            publish(paths)

        assert served_bytes(paths) == served_before
        assert temp_files(paths) == []
