"""Two writers at once (CONTRACT §7): `p06 refresh` waits for the writer holding the warehouse lock,
or gives up with exit 1 naming the lock; either way the warehouse stays whole.

The other writer is a process holding `warehouse_lock` (a refresh costs about a minute; the lock
itself is tested between processes in test_lock.py)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from operations_support import OutputLines, wait_until

P06 = str(Path(sys.executable).with_name("p06"))
HOLDER = Path(__file__).with_name("lock_holder.py")
SUBMISSION = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,2024-Q1,VNEID_ISSUED,1000\n01,2024-Q1,VNEID_ACTIVATED,800\n"


@pytest.fixture
def raw_file(warehouse_paths) -> Path:
    path = warehouse_paths.raw_dir / "ha-noi-2024-q1.csv"
    path.write_text(SUBMISSION, encoding="utf-8")
    return path


@pytest.fixture
def start_refresh(p06_env, monkeypatch):
    """Start `p06 refresh` in the background; whatever still runs at the end is killed."""
    monkeypatch.setenv("DAGSTER_HOME", p06_env["DAGSTER_HOME"])  # this test reads the runs' instance
    started: list[subprocess.Popen] = []

    def start(log: Path, **env: str) -> subprocess.Popen:
        with log.open("w") as output:
            started.append(
                subprocess.Popen([P06, "refresh"], env={**p06_env, **env}, stdout=output, stderr=subprocess.STDOUT)
            )
        return started[-1]

    yield start
    for process in started:
        process.kill()
        process.wait()


@pytest.fixture
def lock_holder(warehouse_paths, tmp_path):
    """Another writer: a process holding the warehouse lock until it is killed."""
    holder = subprocess.Popen(
        [sys.executable, str(HOLDER), str(warehouse_paths.lock_file), str(tmp_path / "events.log"), "holder"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    OutputLines(holder.stdout).wait_for("acquired", timeout=10)
    yield holder
    holder.kill()
    holder.wait()


def files_line(output: str) -> dict[str, int]:
    """`files  : 1 seen, 1 ingested, 0 skipped, 0 rejected` as numbers."""
    match = re.search(r"files\s*:\s*(.+)", output)
    assert match, output
    return {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", match.group(1))}


def started_runs(dagster_home: Path) -> list[str]:
    """Runs that have started and not finished, read from the run storage of the refreshes.

    Read-only and through plain SQLite: opening a DagsterInstance here would join the race of
    the refreshes creating that storage.
    """
    runs_db = dagster_home / "history" / "runs.db"
    if not runs_db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{runs_db}?mode=ro", uri=True) as con:
            return [run_id for (run_id,) in con.execute("select run_id from runs where status = 'STARTED'")]
    except sqlite3.OperationalError:  # the runs table is not created yet
        return []


def materialization_times(run_id: str) -> list[float]:
    with DagsterInstance.get() as instance:
        events = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        return sorted(event.timestamp for event in events)


def test_a_refresh_waits_for_the_other_writer_and_writes_only_after_it_is_done(
    warehouse_paths, start_refresh, lock_holder, raw_file, tmp_path
):
    log = tmp_path / "refresh.log"
    refresh = start_refresh(log)
    (run_id,) = wait_until(
        lambda: started_runs(warehouse_paths.dagster_home),
        timeout=90,
        what="the refresh run to start and wait for the lock",
    )
    assert not warehouse_paths.work_db.exists()

    released_at = time.time()
    lock_holder.kill()
    assert refresh.wait(timeout=240) == 0, log.read_text()

    written_at = materialization_times(run_id)
    assert written_at and released_at < written_at[0]
    files = files_line(log.read_text())
    assert (files["ingested"], files["skipped"]) == (1, 0)
    with duckdb.connect(str(warehouse_paths.published_db), read_only=True) as con:
        values = con.execute(
            "select indicator_code, value from marts.fct_indicator_value order by indicator_code"
        ).fetchall()
    assert values == [("VNEID_ACTIVATED", 800.0), ("VNEID_ISSUED", 1000.0)]


def test_refreshes_that_cannot_get_the_lock_exit_1_naming_it_and_touch_nothing(
    warehouse_paths, start_refresh, lock_holder, raw_file, tmp_path
):
    # Two at once on a fresh warehouse: they also race to create their Dagster instance.
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    refreshes = [start_refresh(log, P06_LOCK_TIMEOUT_SECONDS="1") for log in logs]

    for refresh, log in zip(refreshes, logs, strict=True):
        assert refresh.wait(timeout=120) == 1, log.read_text()
    assert not warehouse_paths.work_db.exists()
    assert not warehouse_paths.published_db.exists()
    assert raw_file.read_text(encoding="utf-8") == SUBMISSION
    with DagsterInstance.get() as instance:  # the next refresh can still record its run
        assert len(instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.FAILURE]))) == 2

    for log in logs:
        assert f"another refresh holds {warehouse_paths.lock_file}" in log.read_text()
    summary = json.loads(warehouse_paths.last_refresh.read_text())
    assert summary["status"] == "failed"
    assert f"another refresh holds {warehouse_paths.lock_file}" in summary["error"]
    assert "P06_LOCK_TIMEOUT_SECONDS" in summary["error"]
