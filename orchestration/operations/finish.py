"""What happens after every refresh run, however it started: summary file and alerts."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from orchestration.alerts import alerts_for_refresh, dispatch, stale_marts_alert
from orchestration.alerts.settings import DEFAULT_LATE_WINDOW_MONTHS, late_window_months
from orchestration.operations.summary import summarize_run, write_summary
from orchestration.settings import WarehousePaths

if TYPE_CHECKING:  # importing dagster costs seconds: the no-op refresh sends alerts without it
    from dagster import DagsterInstance


# Below this, a failed refresh is reported as a full disk: SQLite and other libraries often
# say only "disk I/O error" when a write hits a full file system.
LOW_DISK_BYTES = 16 * 2**20
logger = logging.getLogger(__name__)


def finish_refresh(instance: DagsterInstance, run_id: str, paths: WarehousePaths) -> dict[str, Any]:
    summary = with_storage_diagnosis(summarize_run(instance, run_id), paths)
    write_summary(summary, paths.last_refresh)
    send_alerts(summary, paths)
    return summary


def send_alerts(summary: dict[str, Any], paths: WarehousePaths) -> None:
    now = datetime.now(UTC)
    try:
        window = late_window_months()
    except ValueError as exc:
        logger.error(f"{exc}: the late_submission alert covers the default {DEFAULT_LATE_WINDOW_MONTHS} months")
        window = DEFAULT_LATE_WINDOW_MONTHS
    alerts = alerts_for_refresh(
        summary, now=now, state_path=paths.warehouse_dir / "alerts_state.json", late_window_months=window
    )
    stale = stale_marts_alert(paths.published_db, now=now, run_id=summary.get("run_id"))
    dispatch(alerts + ([stale] if stale else []), warehouse_dir=paths.warehouse_dir)


def with_storage_diagnosis(summary: dict[str, Any], paths: WarehousePaths) -> dict[str, Any]:
    """A failed refresh on a (nearly) full disk says so first, whatever the library reported."""
    if summary.get("status") != "failed":
        return summary
    try:
        free = shutil.disk_usage(paths.warehouse_dir).free
    except OSError:
        return summary
    if free >= LOW_DISK_BYTES:
        return summary
    hint = f"No space left on device: {paths.warehouse_dir} has {free:,} bytes free"
    return {**summary, "error": f"{hint}; {summary.get('error') or 'refresh failed'}"}
