"""The one Definitions of the p06 code location: everything is wired here and nowhere else."""

from dagster import Definitions

from orchestration.alerts.sensors import run_failure_alert_sensor, stale_marts_sensor
from orchestration.dashboard.assets import scorecard_dashboard
from orchestration.feedback.assets import province_feedback
from orchestration.ingest.assets import raw_submissions
from orchestration.operations.jobs import refresh_job
from orchestration.operations.schedules import nightly_refresh
from orchestration.operations.sensors import (
    raw_inbox_sensor,
    refresh_failed_sensor,
    refresh_succeeded_sensor,
)
from orchestration.publish.assets import published_marts
from orchestration.quality.assets import quality_gate, quarantined_values
from orchestration.resources import P06Settings, WarehouseResource
from orchestration.transform.assets import DBT_STAGES
from orchestration.transform.project import dbt_resource


def build_definitions(settings: P06Settings) -> Definitions:
    """The code location for one raw dir and warehouse dir (`p06 refresh` passes its own)."""
    return Definitions(
        assets=[raw_submissions, *DBT_STAGES, quarantined_values, published_marts, scorecard_dashboard,
                province_feedback],
        asset_checks=[quality_gate],
        jobs=[refresh_job],
        schedules=[nightly_refresh],
        sensors=[
            raw_inbox_sensor,
            refresh_succeeded_sensor,
            refresh_failed_sensor,
            run_failure_alert_sensor,
            stale_marts_sensor,
        ],
        resources={"settings": settings, "warehouse": WarehouseResource(settings=settings), "dbt": dbt_resource()},
    )


defs = build_definitions(P06Settings.from_env())
