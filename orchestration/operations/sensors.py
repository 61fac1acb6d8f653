"""Sensors: new files in the raw dir start a refresh; every finished refresh reports and alerts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

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

from orchestration.ingest.pipeline import file_hash, submission_files
from orchestration.operations.finish import finish_refresh
from orchestration.operations.jobs import refresh_job
from orchestration.settings import WarehousePaths


def scan_raw_dir(raw_dir: Path, known: dict[str, list]) -> dict[str, list]:
    """path -> [size, mtime_ns, sha256] of every submission file, as ingestion would find them.

    A file is hashed again only when its size or mtime changed since `known` (the last cursor).
    """
    root = raw_dir.resolve()
    seen = {}
    for path in submission_files(root):
        stat = path.stat()
        key = path.relative_to(root).as_posix()
        previous = known.get(key)
        if previous and previous[:2] == [stat.st_size, stat.st_mtime_ns]:
            seen[key] = previous
        else:
            seen[key] = [stat.st_size, stat.st_mtime_ns, file_hash(path)]
    return seen


@sensor(
    job=refresh_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts a refresh when files with new content appear under the raw dir.",
)
def raw_inbox_sensor(context: SensorEvaluationContext):
    paths = WarehousePaths.from_env()
    known = json.loads(context.cursor) if context.cursor else {}
    current = scan_raw_dir(paths.raw_dir, known)
    known_hashes = {entry[2] for entry in known.values()}
    new_hashes = sorted({entry[2] for entry in current.values()} - known_hashes)
    context.update_cursor(json.dumps(current))
    if not new_hashes:
        return SkipReason(f"no new files under {paths.raw_dir}")
    run_key = hashlib.sha256("".join(new_hashes).encode()).hexdigest()
    return RunRequest(run_key=run_key, tags={"p06/new_files": str(len(new_hashes))})


def _refresh_finished_sensor(name: str, status: DagsterRunStatus):
    """Writes the summary and sends the alerts of a refresh the daemon ran (schedule, sensor, UI)."""

    @run_status_sensor(
        monitored_jobs=[refresh_job],
        run_status=status,
        default_status=DefaultSensorStatus.RUNNING,
        name=name,
    )
    def _sensor(context: RunStatusSensorContext):
        # `p06 refresh` reports its own runs.
        if context.dagster_run.tags.get("p06/launched_by") == "cli":
            return
        finish_refresh(context.instance, context.dagster_run.run_id, WarehousePaths.from_env())

    return _sensor


refresh_succeeded_sensor = _refresh_finished_sensor("refresh_succeeded_sensor", DagsterRunStatus.SUCCESS)
refresh_failed_sensor = _refresh_finished_sensor("refresh_failed_sensor", DagsterRunStatus.FAILURE)
