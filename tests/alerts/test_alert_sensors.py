"""The alert sensors: stale marts (older than published_marts' freshness policy) at most once a day;
failed runs of jobs other than the refresh."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from dagster import DagsterInstance, SkipReason, build_run_status_sensor_context, build_sensor_context, job, op

from orchestration.alerts.late_memory import operators_day
from orchestration.definitions import build_definitions
from orchestration.defs.alerts.sensors import run_failure_alert_sensor, stale_marts_sensor
from orchestration.resources import P06Settings


@pytest.fixture
def warehouse_dir(tmp_path, monkeypatch):
    folder = tmp_path / "warehouse"
    folder.mkdir()
    monkeypatch.setenv("P06_WAREHOUSE_DIR", str(folder))
    return folder


def sent(warehouse_dir) -> list[dict]:
    log = warehouse_dir / "alerts.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def evaluate_stale(cursor: str | None = None) -> tuple[SkipReason, str | None]:
    context = build_sensor_context(cursor=cursor, resources={"settings": P06Settings.from_env()})
    return stale_marts_sensor(context), context.cursor


def age(path, hours: float) -> None:
    path.write_bytes(b"published")
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_fresh_marts_send_nothing(warehouse_dir):
    age(warehouse_dir / "p06.duckdb", 2)

    result, _ = evaluate_stale()

    assert isinstance(result, SkipReason)
    assert sent(warehouse_dir) == []


def test_stale_marts_alert_once_a_day(warehouse_dir):
    age(warehouse_dir / "p06.duckdb", 30)

    _, cursor = evaluate_stale()
    assert [(a["kind"], a["severity"]) for a in sent(warehouse_dir)] == [("stale_marts", "error")]
    assert cursor == operators_day(datetime.now(UTC))

    again, _ = evaluate_stale(cursor)
    assert "already alerted" in again.skip_message
    assert len(sent(warehouse_dir)) == 1

    evaluate_stale("2026-01-01")  # the last alert was on an earlier day
    assert len(sent(warehouse_dir)) == 2


def test_a_warehouse_never_published_is_stale(warehouse_dir):
    evaluate_stale()

    (alert,) = sent(warehouse_dir)
    assert alert["title"] == "No published marts"


@op
def load_census():
    raise RuntimeError("census extract unreachable")


@job(name="census_backfill")
def census_backfill():
    load_census()


@job(name="refresh")
def refresh():
    load_census()


def failure_context(failing_job, instance: DagsterInstance, tags: dict | None = None):
    result = failing_job.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
    return build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"settings": P06Settings.from_env()},
    ).for_run_failure(), result.run_id


def test_a_failed_run_of_another_job_sends_a_run_failure_alert(warehouse_dir):
    with DagsterInstance.ephemeral() as instance:
        context, run_id = failure_context(census_backfill, instance)
        run_failure_alert_sensor(context)

    (alert,) = sent(warehouse_dir)
    assert (alert["kind"], alert["severity"], alert["run_id"]) == ("run_failure", "error", run_id)
    assert alert["job"] == "census_backfill"
    assert "load_census" in alert["detail"] and "census extract unreachable" in alert["detail"]


@pytest.mark.parametrize(
    "failing_job, tags",
    [(refresh, None), (census_backfill, {"p06/launched_by": "cli"})],
    ids=["refresh job", "launched by p06 refresh"],
)
def test_runs_that_alert_through_their_summary_are_left_alone(warehouse_dir, failing_job, tags):
    with DagsterInstance.ephemeral() as instance:
        context, _ = failure_context(failing_job, instance, tags)
        result = run_failure_alert_sensor(context)

    assert isinstance(result, SkipReason)
    assert sent(warehouse_dir) == []


def published_copy(path, hours_old: float) -> None:
    """A real p06.duckdb with a marts table, last replaced `hours_old` hours ago."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create table marts.dim_province as select '52' as province_code")
    then = time.time() - hours_old * 3600
    os.utime(path, (then, then))


@pytest.mark.parametrize("hours_old, alerted", [(25.9, False), (26.1, True)])
def test_a_published_copy_older_than_its_freshness_policy_reaches_the_webhook(
    warehouse_dir, monkeypatch, webhook, hours_old, alerted
):
    monkeypatch.setenv("P06_ALERT_WEBHOOK_URL", webhook.url)
    settings = P06Settings.from_env()
    defs = build_definitions(settings)
    (policy,) = [
        spec.freshness_policy for spec in defs.resolve_all_asset_specs() if spec.key.path == ["published_marts"]
    ]
    assert policy.fail_window.to_timedelta() == timedelta(hours=26)
    published_copy(warehouse_dir / "p06.duckdb", hours_old)

    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, resources={"settings": settings})
        defs.resolve_sensor_def("stale_marts_sensor")(context)

    received = [request.body for request in webhook.requests()]
    assert [(alert["kind"], alert["severity"]) for alert in received] == ([("stale_marts", "error")] if alerted else [])
    assert received == sent(warehouse_dir)
    if alerted:
        assert received[0]["title"] == "Published marts are 26 hours old"
        assert received[0]["published_path"] == str(warehouse_dir / "p06.duckdb")
