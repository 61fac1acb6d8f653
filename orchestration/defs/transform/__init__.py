from dagster import Definitions

from orchestration.defs.transform.assets import DBT_STAGES

defs = Definitions(assets=DBT_STAGES)
