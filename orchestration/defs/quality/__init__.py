from dagster import Definitions

from orchestration.defs.quality.assets import quality_gate, quarantined_values

defs = Definitions(assets=[quarantined_values], asset_checks=[quality_gate])
