"""dbt models as Dagster assets, in three stages around the quality step.

    dbt_prepare    seeds, staging and intermediate models up to the candidate values
    dbt_facts      fct_indicator_value and what it needs after quarantine (the gate checks it)
    dbt_reporting  the marts built from the facts: not built when a blocking check failed
"""

from dagster import AssetExecutionContext, AssetsDefinition, Config
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import DBT_DEFAULT_EXCLUDE, DBT_DEFAULT_SELECT

from orchestration.resources import WarehouseResource
from orchestration.settings import today_in_vietnam
from orchestration.transform.project import dbt_project, prepare_manifest_once
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
    def _assets(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
    ):
        run_date = today_in_vietnam().isoformat()
        args = ["build", "--vars", f"{{run_date: '{run_date}'}}"] + (["--full-refresh"] if config.full_refresh else [])
        # One target dir per warehouse, shared by the stages (they run one after the other):
        # dbt's partial-parse cache there stays valid for this warehouse's profile, so only the
        # first stage of the first refresh parses the whole project, and disk use stays bounded.
        target = warehouse.paths.warehouse_dir / "dbt_target"
        yield from dbt.cli(args, context=context, target_path=target).stream()

    return _assets


prepare_manifest_once()
DBT_STAGES = [_stage(name, select, exclude) for name, (select, exclude) in STAGES.items()]
