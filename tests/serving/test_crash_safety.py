"""`kill -9` of a real refresh at several points never touches the served marts, and the next
refresh publishes exactly what a clean refresh of the same files does (CONTRACT §5, issue 7).

Each kill point is reached by watching the run's real progress: its Dagster event log, the work
database's write-ahead log (ingestion and dbt writing), the temporary files of the publish step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from mart_content import PROCESSING_COLUMNS, copy_warehouse, served_bytes, served_marts, served_parquet, temp_files
from refresh_process import LoggedProcess, assert_published, poll_until, run_refresh, start_refresh

from orchestration.settings import WarehousePaths


def _run_databases(paths: WarehousePaths) -> set[Path]:
    """The Dagster event log of each run, one SQLite file per run under DAGSTER_HOME."""
    return {db for db in (paths.dagster_home / "history" / "runs").glob("*.db") if db.name != "index.db"}


def _logged(paths: WarehousePaths, earlier_runs: set[Path], event_type: str, step: str) -> bool:
    """Whether the new run's event log holds `event_type` for `step` yet."""
    for db in _run_databases(paths) - earlier_runs:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                query = "select count(*) from event_logs where dagster_event_type = ? and step_key = ?"
                if con.execute(query, (event_type, step)).fetchone()[0]:
                    return True
        except sqlite3.OperationalError:  # being created or written right now
            pass
    return False


@dataclass(frozen=True)
class KillPoint:
    step: str  # the Dagster step to kill the run in
    started: str  # the event in the run's Dagster event log once the step is under way
    busy: Callable[[LoggedProcess, WarehousePaths], bool]  # evidence that it is at work right now


KILL_POINTS = [
    KillPoint(  # files are being committed to the work database one by one
        "raw_submissions",
        "STEP_START",
        lambda refresh, paths: Path(f"{paths.work_db}.wal").exists(),
    ),
    KillPoint(  # dbt is building models into the work database
        "dbt_prepare",
        "STEP_START",
        lambda refresh, paths: Path(f"{paths.work_db}.wal").exists(),
    ),
    KillPoint(  # the new file is built and its Parquet copies are being written aside
        "published_marts",
        "STEP_START",
        lambda refresh, paths: any(".parquet." in name for name in temp_files(paths)),
    ),
]


@pytest.mark.parametrize("point", KILL_POINTS, ids=lambda point: point.step)
def test_kill_9_keeps_the_served_marts_and_the_next_refresh_publishes_every_row_once(
    point, raw_sets, history_warehouse, rebuilt_warehouse, tmp_path
):
    paths = copy_warehouse(history_warehouse, tmp_path / "warehouse")
    served_before, marts_before = served_bytes(paths), served_marts(paths)

    earlier_runs = _run_databases(paths)
    with start_refresh(raw_sets.complete, paths.warehouse_dir) as refresh:
        poll_until(lambda: _logged(paths, earlier_runs, point.started, point.step), 180, f"{point.step} to start")
        poll_until(lambda: point.busy(refresh, paths), 120, f"the refresh to be busy in {point.step}")
        refresh.kill()

    assert not _logged(paths, earlier_runs, "STEP_SUCCESS", point.step), f"killed too late:\n{refresh.output}"
    assert served_bytes(paths) == served_before
    assert served_marts(paths) == marts_before

    assert_published(run_refresh(raw_sets.complete, paths.warehouse_dir))
    assert served_marts(paths, PROCESSING_COLUMNS) == served_marts(rebuilt_warehouse, PROCESSING_COLUMNS)
    assert served_parquet(paths, PROCESSING_COLUMNS) == served_parquet(rebuilt_warehouse, PROCESSING_COLUMNS)
    assert temp_files(paths) == []
