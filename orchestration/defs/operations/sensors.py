"""Sensors: bytes under the raw dir that the warehouse has not ingested start a refresh; every
finished refresh reports and alerts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_status_sensor,
    sensor,
)

from orchestration.defs.operations.jobs import refresh_job
from orchestration.defs.transform.assets import dbt_build_run_config, selection_without_dbt_tests
from orchestration.ingest.inbox import read_inbox
from orchestration.operations.finish import finish_refresh
from orchestration.operations.lock import WarehouseBusy, warehouse_lock
from orchestration.resources import P06Settings
from orchestration.settings import WarehousePaths

# A tick every second or so: the sensor daemon's loop runs every half second under `make dev`
# (Dagster's 5 s, shortened by operations/run_queue.py; 60 s here before issue 20) and ticks once a
# second has passed since the last tick (Dagster takes whole seconds; 0 means its default, 30 s).
# With the loop at 1 s a tick found 0.99 s elapsed every other pass: ticks came every ~2 s. A tick
# that finds the raw dir as it was when everything in it was ingested lists it (30 to 100 ms on
# 5,000 files at load 5; reading the inbox: 0.4 to 0.7 s) and reads nothing else.
SENSOR_SECONDS = 1
# The run-status sensors: a tick a second for each would double an idle `make dev`'s CPU
# (bench/README.md, issue 20 session 6) to write last_refresh.json ~2 s sooner.
RUN_STATUS_SENSOR_SECONDS = 5


@sensor(
    job=refresh_job,
    minimum_interval_seconds=SENSOR_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts a refresh when files under the raw dir hold bytes the warehouse has not ingested.",
)
def raw_inbox_sensor(context: SensorEvaluationContext):
    # New means new to the work database, whoever ingested the rest (`p06 refresh` or a run of
    # this sensor): the run key names the new contents, so Dagster starts one run per content.
    # The cursor: the inbox's state (inbox_state) when it last held nothing new.
    # The paths are read from the environment, as the settings resource reads them: for a sensor
    # that takes a resource, Dagster opens the instance at every tick to build it (0.1 CPU s,
    # 0.2-0.7 s at load 10; bench/README.md).
    paths = WarehousePaths.from_env()
    state = inbox_state(paths)
    if context.cursor == state:
        return SkipReason(f"nothing under {paths.raw_dir} changed since every file was ingested")
    try:
        with warehouse_lock(paths.lock_file, timeout_seconds=0):
            inbox = read_inbox(paths.raw_dir, paths.work_db)
    except (WarehouseBusy, duckdb.Error):
        return SkipReason("a refresh holds the warehouse; looking again at the next tick")
    if not inbox.new:
        context.update_cursor(state)
        return SkipReason(f"every file under {paths.raw_dir} is already ingested")
    run_key = hashlib.sha256("".join(sorted(inbox.new)).encode()).hexdigest()
    # The fast path: dbt's tests wait for the nightly refresh (bench/README.md, issue 20).
    assets, checks = selection_without_dbt_tests(context.repository_def.get_job(refresh_job.name))
    return RunRequest(
        run_key=run_key,
        run_config=dbt_build_run_config(data_tests=False),
        tags={"p06/new_files": str(len(inbox.new))},
        asset_selection=list(assets),
        asset_check_keys=list(checks),
    )


def inbox_state(paths: WarehousePaths) -> str:
    """A digest of the name, size, times and inode of every file under the raw dir and of the work
    database: a file added, removed, renamed, rewritten or replaced, or a warehouse written or
    removed, changes it (ctime cannot be set back, unlike mtime)."""
    digest = hashlib.sha256()
    for folder, folders, names in os.walk(paths.raw_dir):
        folders.sort()
        for path in (os.path.join(folder, name) for name in sorted(names)):
            digest.update(f"{path}\0{_stat(path)}\n".encode())
    digest.update(f"{paths.work_db}\0{_stat(paths.work_db)}".encode())
    return digest.hexdigest()


def _stat(path: str | Path) -> tuple[int, int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino


def _refresh_finished_sensor(name: str, status: DagsterRunStatus):
    """Writes the summary and sends the alerts of a refresh the daemon ran (schedule, sensor, UI)."""

    @run_status_sensor(
        monitored_jobs=[refresh_job],
        run_status=status,
        default_status=DefaultSensorStatus.RUNNING,
        name=name,
        minimum_interval_seconds=RUN_STATUS_SENSOR_SECONDS,
    )
    def _sensor(context: RunStatusSensorContext, settings: P06Settings):
        # `p06 refresh` reports its own runs.
        if context.dagster_run.tags.get("p06/launched_by") == "cli":
            return
        finish_refresh(context.instance, context.dagster_run.run_id, settings.paths)

    return _sensor


refresh_succeeded_sensor = _refresh_finished_sensor("refresh_succeeded_sensor", DagsterRunStatus.SUCCESS)
refresh_failed_sensor = _refresh_finished_sensor("refresh_failed_sensor", DagsterRunStatus.FAILURE)
