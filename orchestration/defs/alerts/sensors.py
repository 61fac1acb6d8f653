"""Alerts that need no refresh to happen: failed runs of other jobs, and stale published marts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from orchestration.alerts.dispatch import dispatch
from orchestration.alerts.late_memory import operators_day
from orchestration.alerts.refresh_alerts import run_failure_alert
from orchestration.alerts.stale import STALE_AFTER, stale_marts_alert
from orchestration.defs.operations.jobs import refresh_job
from orchestration.operations.summary import root_cause_message
from orchestration.resources import P06Settings


def _reported_with_its_summary(tags: dict[str, str], job_name: str) -> bool:
    # Refresh runs alert through their run summary (orchestration.operations.finish), whoever
    # launched them; alerting here as well would send their run_failure twice.
    return job_name == refresh_job.name or tags.get("p06/launched_by") == "cli"


@run_failure_sensor(
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Sends a run_failure alert when any other run of this code location fails"
        " (e.g. assets materialized from the UI)."
    ),
)
def run_failure_alert_sensor(context: RunFailureSensorContext, settings: P06Settings):
    run = context.dagster_run
    if _reported_with_its_summary(run.tags, run.job_name):
        return SkipReason(f"run {run.run_id} of {run.job_name} alerts through its refresh summary")
    step_errors = [
        f"{event.step_key}: {root_cause_message(event.event_specific_data.error)}"
        for event in context.get_step_failure_events()
        if event.event_specific_data and event.event_specific_data.error
    ]
    error = "; ".join(step_errors) or context.failure_event.message
    alert = run_failure_alert(error, run_id=run.run_id, at=datetime.now(UTC), job_name=run.job_name)
    dispatch([alert], warehouse_dir=settings.paths.warehouse_dir, log=context.log)


@sensor(
    minimum_interval_seconds=30 * 60,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Sends a stale_marts alert, at most once a day, when warehouse/p06.duckdb (published_marts) is older"
        f" than its freshness policy allows ({STALE_AFTER / timedelta(hours=1):g} hours)."
    ),
)
def stale_marts_sensor(context: SensorEvaluationContext, settings: P06Settings):
    paths = settings.paths
    now = datetime.now(UTC)
    alert = stale_marts_alert(paths.published_db, now=now)
    if alert is None:
        return SkipReason(f"{paths.published_db} is fresh")
    # The cursor holds the operators' day of the last stale_marts alert.
    today = operators_day(now)
    if context.cursor == today:
        return SkipReason(f"stale marts already alerted on {today}")
    dispatch([alert], warehouse_dir=paths.warehouse_dir, log=context.log)
    context.update_cursor(today)
    return SkipReason(f"alert sent: {alert.title}")
