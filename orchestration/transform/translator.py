"""How dbt resources are named and grouped in the Dagster asset graph."""

from __future__ import annotations

from typing import Any, Mapping

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator

# dbt sources are written by Python assets: the dbt source points at the asset that fills it.
SOURCE_ASSET_KEYS = {
    "raw": AssetKey("raw_submissions"),
    "quality": AssetKey("quarantined_values"),
}

# The first folder under models/ (or the resource type) decides the group in the UI.
GROUPS = {
    "seed": "reference",
    "staging": "staging",
    "intermediate": "intermediate",
    "marts": "marts",
}


class P06Translator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return SOURCE_ASSET_KEYS[dbt_resource_props["source_name"]]
        return AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "seed":
            return GROUPS["seed"]
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else None
        return GROUPS.get(folder, "transform")
