from dagster import Definitions

from orchestration.defs.dashboard.assets import scorecard_dashboard

defs = Definitions(assets=[scorecard_dashboard])
