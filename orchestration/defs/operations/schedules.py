"""Nightly refresh at 02:00 Vietnam time (CONTRACT §7)."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from orchestration.defs.operations.jobs import refresh_job
from orchestration.defs.transform.assets import dbt_build_run_config

nightly_refresh = ScheduleDefinition(
    name="nightly_refresh",
    job=refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Ho_Chi_Minh",
    default_status=DefaultScheduleStatus.RUNNING,
    description="The nightly refresh of every mart, with dbt's tests (the inbox sensor's runs skip them).",
    run_config=dbt_build_run_config(data_tests=True),
)
