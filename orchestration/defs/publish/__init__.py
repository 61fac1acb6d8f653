from dagster import Definitions

from orchestration.defs.publish.assets import published_marts

defs = Definitions(assets=[published_marts])
