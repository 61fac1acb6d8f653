"""What happens after every refresh run, however it started: summary file and alerts."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from orchestration.alerts import alerts_for_refresh, dispatch, stale_marts_alert
from orchestration.operations.summary import summarize_run, write_summary
from orchestration.settings import WarehousePaths

if TYPE_CHECKING:  # importing dagster costs seconds: the no-op refresh sends alerts without it
    from dagster import DagsterInstance


def finish_refresh(instance: DagsterInstance, run_id: str, paths: WarehousePaths) -> dict[str, Any]:
    summary = summarize_run(instance, run_id)
    write_summary(summary, paths.last_refresh)
    send_alerts(summary, paths)
    return summary


def send_alerts(summary: dict[str, Any], paths: WarehousePaths) -> None:
    now = datetime.now(timezone.utc)
    alerts = alerts_for_refresh(summary, now=now, state_path=paths.warehouse_dir / "alerts_state.json")
    stale = stale_marts_alert(paths.published_db, now=now, run_id=summary.get("run_id"))
    dispatch(alerts + ([stale] if stale else []), warehouse_dir=paths.warehouse_dir)
