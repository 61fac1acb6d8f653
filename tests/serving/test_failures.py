"""Permission denied, a database file held by another program, a full disk: the refresh says what
went wrong, exits 1, and the marts BI tools read stay exactly as they were."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from mart_content import copy_warehouse, served_bytes, served_marts, temp_files
from refresh_process import LoggedProcess, run_refresh

from orchestration.settings import WarehousePaths

HOLD_WRITE_CONNECTION = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); sys.stdin.read()"
)
TMPFS_HEADROOM_BYTES = 1 << 20  # room for part of the new files, never for a whole refresh


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
def _tiny_tmpfs(directory: Path, size: int) -> Iterator[None]:
    directory.mkdir()
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory))
    try:
        yield
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def _disk_usage(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def _assert_failed_cleanly(result: subprocess.CompletedProcess, *explanations: str) -> None:
    assert result.returncode == 1, result.stdout
    assert "refresh failed" in result.stdout
    assert any(text in result.stdout for text in explanations), result.stdout


@pytest.fixture
def paths(history_warehouse, tmp_path) -> WarehousePaths:
    return copy_warehouse(history_warehouse, tmp_path / "warehouse")


def test_read_only_warehouse_dir(paths, raw_sets):
    served_before = served_bytes(paths)

    with _read_only(paths.warehouse_dir):
        result = run_refresh(raw_sets.complete, paths.warehouse_dir)

    _assert_failed_cleanly(result, "Read-only file system", "Permission denied")
    assert str(paths.warehouse_dir) in result.stdout
    assert served_bytes(paths) == served_before


def test_work_database_held_by_another_program(paths, raw_sets):
    served_before = served_bytes(paths)

    with LoggedProcess([sys.executable, "-c", HOLD_WRITE_CONNECTION, str(paths.work_db)]) as holder:
        holder.wait_for_line("holding")
        result = run_refresh(raw_sets.complete, paths.warehouse_dir)
        holder.close_stdin()
        holder.wait()

    _assert_failed_cleanly(result, "Could not set lock")
    assert f"(PID {holder.process.pid})" in result.stdout  # who holds it, so the operator can act
    assert served_bytes(paths) == served_before


def test_disk_full(history_warehouse, raw_sets, tmp_path):
    mount_point = tmp_path / "tmpfs"
    with _tiny_tmpfs(mount_point, _disk_usage(history_warehouse.warehouse_dir) + TMPFS_HEADROOM_BYTES):
        paths = copy_warehouse(history_warehouse, mount_point / "warehouse")
        served_before, marts_before = served_bytes(paths), served_marts(paths)

        result = run_refresh(raw_sets.complete, paths.warehouse_dir)

        _assert_failed_cleanly(result, "No space left on device")
        assert served_bytes(paths) == served_before
        assert served_marts(paths) == marts_before
        assert temp_files(paths) == []
