"""The one Definitions of the p06 code location: each concern's thin definitions
(orchestration/defs/<concern>/), merged with the resources built from the settings."""

from dagster import Definitions

from orchestration.defs import alerts, dashboard, feedback, ingest, operations, publish, quality, transform
from orchestration.resources import P06Settings, WarehouseResource
from orchestration.transform.project import dbt_resource

CONCERNS = (ingest, transform, quality, publish, dashboard, feedback, operations, alerts)


def build_definitions(settings: P06Settings) -> Definitions:
    """The code location for one raw dir and warehouse dir (`p06 refresh` passes its own)."""
    return Definitions.merge(
        *(concern.defs for concern in CONCERNS),
        Definitions(
            resources={"settings": settings, "warehouse": WarehouseResource(settings=settings), "dbt": dbt_resource()}
        ),
    )


defs = build_definitions(P06Settings.from_env())
