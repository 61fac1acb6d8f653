"""Before a refresh: can it write where it must? Say so plainly instead of failing deep inside.

Without this check a read-only warehouse surfaces as Dagster's "unable to open database file"
from its run storage under warehouse/dagster_home.
"""

from __future__ import annotations

import tempfile

from orchestration.settings import WarehousePaths


class WarehouseNotWritable(RuntimeError):
    """The warehouse dir (or a folder in it that a refresh writes) refuses new files."""


def check_warehouse_writable(paths: WarehousePaths) -> None:
    """Create and remove a probe file in every folder a refresh writes that exists already."""
    folders = [paths.warehouse_dir, paths.dagster_home, paths.parquet_dir, paths.snapshots_dir, paths.quality_dir]
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            with tempfile.TemporaryFile(dir=folder, prefix=".p06-write-probe-"):
                pass
        except OSError as exc:
            raise WarehouseNotWritable(
                f"cannot write in {folder}: {exc.strerror}; the refresh needs to write there "
                "(check the mount, permissions and P06_WAREHOUSE_DIR)"
            ) from exc
