"""Warehouses built once per test session by real `p06 refresh` runs; tests work on copies.

history      raw files 0 .. HISTORY_FILES-1, refreshed once (the marts BI tools see today)
complete     the history plus NEW_FILES more (some resubmit history with later dates)
incremental  the history warehouse refreshed with the complete files, dashboards querying it
rebuilt      a fresh warehouse fully refreshed from the complete files
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from dashboards import Observations, refresh_while_dashboards_query
from dated_submissions import write_submissions
from mart_content import copy_warehouse
from refresh_process import assert_published, run_refresh

from orchestration.settings import WarehousePaths

HISTORY_FILES = 40
NEW_FILES = 60  # the last 17 resubmit history with later dates and new figures


@dataclass(frozen=True)
class RawSets:
    history: Path
    complete: Path


@pytest.fixture(scope="session")
def raw_sets(tmp_path_factory) -> RawSets:
    root = tmp_path_factory.mktemp("raw")
    sets = RawSets(history=root / "history", complete=root / "complete")
    write_submissions(sets.history, 0, HISTORY_FILES)
    write_submissions(sets.complete, 0, HISTORY_FILES + NEW_FILES)
    return sets


@pytest.fixture(scope="session")
def history_warehouse(raw_sets, tmp_path_factory) -> WarehousePaths:
    """Published once from the history: copy it (copy_warehouse), never change it."""
    paths = WarehousePaths(raw_sets.history, tmp_path_factory.mktemp("history") / "warehouse")
    assert_published(run_refresh(paths.raw_dir, paths.warehouse_dir))
    return paths


@dataclass(frozen=True)
class IncrementalRefresh:
    paths: WarehousePaths
    observations: Observations


@pytest.fixture(scope="session")
def incremental(raw_sets, history_warehouse, tmp_path_factory) -> IncrementalRefresh:
    """The history warehouse refreshed again once the new files arrived (published twice), while
    dashboards query it, as happens every night."""
    copied = copy_warehouse(history_warehouse, tmp_path_factory.mktemp("incremental") / "warehouse")
    paths = WarehousePaths(raw_sets.complete, copied.warehouse_dir)
    return IncrementalRefresh(paths, refresh_while_dashboards_query(paths, paths.raw_dir))


@pytest.fixture(scope="session")
def incremental_warehouse(incremental) -> WarehousePaths:
    return incremental.paths


@pytest.fixture(scope="session")
def rebuilt_warehouse(raw_sets, tmp_path_factory) -> WarehousePaths:
    """A fresh warehouse fully refreshed from every file at once: the reference content."""
    paths = WarehousePaths(raw_sets.complete, tmp_path_factory.mktemp("rebuilt") / "warehouse")
    assert_published(run_refresh(paths.raw_dir, paths.warehouse_dir, "--full-refresh"))
    return paths
