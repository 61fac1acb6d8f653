from dagster import Definitions

from orchestration.defs.alerts.sensors import run_failure_alert_sensor, stale_marts_sensor

defs = Definitions(sensors=[run_failure_alert_sensor, stale_marts_sensor])
