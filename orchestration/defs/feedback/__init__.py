from dagster import Definitions

from orchestration.defs.feedback.assets import province_feedback

defs = Definitions(assets=[province_feedback])
