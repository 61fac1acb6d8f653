"""dbt models as Dagster assets, in three stages around the quality step.

    dbt_prepare    seeds, staging and intermediate models up to the candidate values
    dbt_facts      fct_indicator_value and what it needs after quarantine (the gate checks it)
    dbt_reporting  the marts built from the facts: not built when a blocking check failed
"""

import os
from pathlib import Path

from dagster import AssetExecutionContext, AssetsDefinition, Config
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import DBT_DEFAULT_EXCLUDE, DBT_DEFAULT_SELECT

from orchestration.transform.project import (
    dbt_project,
    keep_partial_parse,
    prepare_manifest_once,
    use_partial_parse_of,
)
from orchestration.transform.translator import P06Translator

AFTER_QUARANTINE = "source:quality+"
FACTS = "source:quality+,+fct_indicator_value"

# stage name -> (select, exclude), in dbt selection syntax
STAGES = {
    "dbt_prepare": (DBT_DEFAULT_SELECT, AFTER_QUARANTINE),
    "dbt_facts": (FACTS, DBT_DEFAULT_EXCLUDE),
    "dbt_reporting": (AFTER_QUARANTINE, FACTS),
}


class DbtBuildConfig(Config):
    full_refresh: bool = False


def _stage(name: str, select: str, exclude: str | None) -> AssetsDefinition:
    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        dagster_dbt_translator=P06Translator(),
        select=select,
        exclude=exclude,
        name=name,
    )
    def _assets(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
        work_db = Path(os.environ["P06_WORK_DB"])
        use_partial_parse_of(work_db)
        args = ["build"] + (["--full-refresh"] if config.full_refresh else [])
        invocation = dbt.cli(args, context=context)
        yield from invocation.stream()
        keep_partial_parse(invocation.target_path, work_db)

    return _assets


prepare_manifest_once()
DBT_STAGES = [_stage(name, select, exclude) for name, (select, exclude) in STAGES.items()]
