"""Alerts (CONTRACT §6): what a refresh or a sensor found, sent to alerts.jsonl, a webhook, e-mail."""

from orchestration.alerts.alert import Alert
from orchestration.alerts.dispatch import dispatch
from orchestration.alerts.refresh_alerts import alerts_for_refresh, run_failure_alert
from orchestration.alerts.settings import AlertSettings
from orchestration.alerts.stale import stale_marts_alert

__all__ = ["Alert", "AlertSettings", "alerts_for_refresh", "dispatch", "run_failure_alert", "stale_marts_alert"]
