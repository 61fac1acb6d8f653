"""Two writers at once (CONTRACT §7): a second `p06 refresh` waits for the first, or gives up with
exit 1 naming the lock; either way the warehouse stays whole."""

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
SUBMISSION = (
    "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n"
    "01,2024-Q1,VNEID_ISSUED,1000\n"
    "01,2024-Q1,VNEID_ACTIVATED,800\n"
)


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

    def start(log: Path) -> subprocess.Popen:
        with log.open("w") as output:
            started.append(subprocess.Popen([P06, "refresh"], env=p06_env, stdout=output, stderr=subprocess.STDOUT))
        return started[-1]

    yield start
    for process in started:
        process.kill()
        process.wait()


def start_lock_holder(lock_file: Path, tmp_path: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, str(HOLDER), str(lock_file), str(tmp_path / "events.log"), "holder"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    OutputLines(holder.stdout).wait_for("acquired", timeout=10)
    return holder


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


def test_refreshes_started_together_write_one_after_the_other_and_ingest_each_file_once(
    warehouse_paths, start_refresh, raw_file, tmp_path
):
    holder = start_lock_holder(warehouse_paths.lock_file, tmp_path)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    try:
        refreshes = [start_refresh(log) for log in logs]
        run_ids = wait_until(
            lambda: len(runs := started_runs(warehouse_paths.dagster_home)) == 2 and runs,
            timeout=90, what="both refresh runs to start and wait for the lock",
        )
        released_at = time.time()
    finally:
        holder.kill()
        holder.wait()
    for refresh, log in zip(refreshes, logs):
        assert refresh.wait(timeout=240) == 0, log.read_text()

    # Nothing was written while the lock was held, and the two runs did not interleave.
    # (Opening their Dagster instance also checks that the refreshes left it usable.)
    first, second = sorted(
        (materialization_times(run_id) for run_id in run_ids),
        key=lambda times: times[0],
    )
    assert released_at < first[0] and first[-1] < second[0]
    files = sorted((files_line(log.read_text()) for log in logs), key=lambda f: f["ingested"])
    assert [(f["ingested"], f["skipped"]) for f in files] == [(0, 1), (1, 0)]
    with duckdb.connect(str(warehouse_paths.published_db), read_only=True) as con:
        values = con.execute(
            "select indicator_code, value from marts.fct_indicator_value order by indicator_code"
        ).fetchall()
    assert values == [("VNEID_ACTIVATED", 800.0), ("VNEID_ISSUED", 1000.0)]


def test_a_refresh_that_cannot_get_the_lock_exits_1_naming_it_and_touches_nothing(
    warehouse_paths, p06_env, raw_file, tmp_path
):
    holder = start_lock_holder(warehouse_paths.lock_file, tmp_path)
    try:
        refresh = subprocess.run(
            [P06, "refresh"], env={**p06_env, "P06_LOCK_TIMEOUT_SECONDS": "1"},
            capture_output=True, text=True, timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()

    assert refresh.returncode == 1, refresh.stdout + refresh.stderr
    assert str(warehouse_paths.lock_file) in refresh.stdout
    assert "P06_LOCK_TIMEOUT_SECONDS" in refresh.stdout
    summary = json.loads(warehouse_paths.last_refresh.read_text())
    assert summary["status"] == "failed"
    assert str(warehouse_paths.lock_file) in summary["error"]
    assert not warehouse_paths.work_db.exists()
    assert not warehouse_paths.published_db.exists()
    assert raw_file.read_text(encoding="utf-8") == SUBMISSION
