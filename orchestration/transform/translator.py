"""How dbt resources are named and grouped in the Dagster asset graph."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# dbt sources are tables written by Python assets: every table of a source maps to the asset
# that fills it, so a model reading raw.* depends on raw_submissions.
SOURCE_ASSET_KEYS = {
    "raw": AssetKey("raw_submissions"),
    "quality": AssetKey("quarantined_values"),
}

# The first folder under models/ is the model's group in the UI; seeds are reference data.
LAYERS = ("staging", "intermediate", "marts")


class P06Translator(DagsterDbtTranslator):
    def __init__(self):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return SOURCE_ASSET_KEYS[dbt_resource_props["source_name"]]
        return AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else None
        return folder if folder in LAYERS else "transform"
