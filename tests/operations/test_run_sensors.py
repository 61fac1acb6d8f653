"""Runs the daemon launched (schedule, inbox sensor, UI) report and alert like `p06 refresh` does."""

from __future__ import annotations

import json

import pytest
from dagster import DagsterInstance, build_run_status_sensor_context, job, op

from orchestration.defs.operations.sensors import refresh_failed_sensor
from orchestration.resources import P06Settings


@op
def write_work_database():
    raise OSError("No space left on device: work.duckdb")


@job
def crashing_refresh():
    write_work_database()


@pytest.fixture
def warehouse(warehouse_paths, monkeypatch):
    monkeypatch.setenv("P06_RAW_DIR", str(warehouse_paths.raw_dir))
    monkeypatch.setenv("P06_WAREHOUSE_DIR", str(warehouse_paths.warehouse_dir))
    return warehouse_paths


def report_failure(tags: dict[str, str]) -> str:
    """Run the crashing job, hand its failure to the sensor as the daemon would; the run id."""
    instance = DagsterInstance.ephemeral()
    result = crashing_refresh.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
    context = build_run_status_sensor_context(
        sensor_name=refresh_failed_sensor.name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
        resources={"settings": P06Settings.from_env()},
    )
    refresh_failed_sensor(context)
    return result.run_id


def test_a_failed_daemon_run_writes_its_summary_and_sends_one_run_failure_alert(warehouse):
    run_id = report_failure(tags={"dagster/schedule_name": "nightly_refresh"})

    summary = json.loads(warehouse.last_refresh.read_text())
    assert (summary["run_id"], summary["status"], summary["exit_code"]) == (run_id, "failed", 1)
    assert "No space left on device" in summary["error"]
    alerts = [json.loads(line) for line in (warehouse.warehouse_dir / "alerts.jsonl").read_text().splitlines()]
    failures = [alert for alert in alerts if alert["kind"] == "run_failure"]
    assert len(failures) == 1
    assert failures[0]["run_id"] == run_id
    assert "No space left on device" in failures[0]["detail"]


def test_a_run_of_p06_refresh_is_left_to_the_cli_which_reports_it_itself(warehouse):
    report_failure(tags={"p06/launched_by": "cli"})

    assert not warehouse.last_refresh.exists()
    assert not (warehouse.warehouse_dir / "alerts.jsonl").exists()
