"""Fixtures shared by every test folder: the repository and a fresh, empty warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.settings import REPO_ROOT, WarehousePaths


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def warehouse_paths(tmp_path: Path) -> WarehousePaths:
    """An empty raw dir and a warehouse dir that does not exist yet, both under tmp_path."""
    paths = WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    paths.raw_dir.mkdir()
    return paths


@pytest.fixture(scope="session")
def p06_env_for():
    """Environment for a p06 subprocess that reads and writes only the given paths.

    The developer's own P06_* settings (alert channels, lock timeout) are left out.
    """

    def environment(paths: WarehousePaths) -> dict[str, str]:
        inherited = {key: value for key, value in os.environ.items() if not key.startswith("P06_")}
        return {
            **inherited,
            "P06_RAW_DIR": str(paths.raw_dir),
            "P06_WAREHOUSE_DIR": str(paths.warehouse_dir),
            "P06_WORK_DB": str(paths.work_db),
            "DAGSTER_HOME": str(paths.dagster_home),
        }

    return environment


@pytest.fixture
def p06_env(p06_env_for, warehouse_paths: WarehousePaths) -> dict[str, str]:
    """Environment for a p06 subprocess working on the fresh warehouse."""
    return p06_env_for(warehouse_paths)
