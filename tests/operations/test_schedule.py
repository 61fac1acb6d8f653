"""The nightly refresh as the code location defines it (CONTRACT §7)."""

from __future__ import annotations

from dagster import DefaultScheduleStatus, build_schedule_context

from orchestration.definitions import defs


def test_the_nightly_refresh_runs_the_refresh_job_at_two_in_the_morning_vietnam_time():
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    assert schedule.job_name == "refresh"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING


def test_the_nightly_refresh_runs_every_dbt_test():
    [request] = defs.resolve_schedule_def("nightly_refresh").evaluate_tick(build_schedule_context()).run_requests
    configs = [op["config"] for name, op in request.run_config["ops"].items() if name.startswith("dbt_")]
    assert len(configs) == 3  # prepare, facts, reporting
    assert all(config["data_tests"] for config in configs)


def test_the_inbox_sensor_starts_the_same_refresh_job():
    assert defs.resolve_sensor_def("raw_inbox_sensor").job_name == "refresh"
