from dagster import Definitions

from orchestration.defs.operations.jobs import refresh_job
from orchestration.defs.operations.schedules import nightly_refresh
from orchestration.defs.operations.sensors import raw_inbox_sensor, refresh_failed_sensor, refresh_succeeded_sensor

defs = Definitions(
    jobs=[refresh_job],
    schedules=[nightly_refresh],
    sensors=[raw_inbox_sensor, refresh_succeeded_sensor, refresh_failed_sensor],
)
