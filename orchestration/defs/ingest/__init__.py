from dagster import Definitions

from orchestration.defs.ingest.assets import raw_submissions

defs = Definitions(assets=[raw_submissions])
