"""dbt models as Dagster assets, in three stages around the quality step.

    dbt_prepare    seeds, staging and intermediate models up to the candidate values
    dbt_facts      fct_indicator_value and what it needs after quarantine (the gate checks it)
    dbt_reporting  the marts built from the facts: not built when a blocking check failed
"""

from typing import Callable, NamedTuple

from dagster import AssetExecutionContext, AssetsDefinition, Config
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import DBT_DEFAULT_EXCLUDE, DBT_DEFAULT_SELECT

from orchestration.quality.validation import load_great_expectations
from orchestration.resources import WarehouseResource
from orchestration.settings import today_in_vietnam
from orchestration.transform.project import dbt_project, prepare_manifest_once
from orchestration.transform.translator import P06Translator

AFTER_QUARANTINE = "source:quality+"
FACTS = "source:quality+,+fct_indicator_value"


class Stage(NamedTuple):
    select: str  # dbt selection syntax
    exclude: str
    # Work for this process while dbt starts up in its subprocess (~2 s of interpreter and project
    # loading): the quality step after dbt_prepare needs Great Expectations, itself 2 to 3 s to
    # import. Done here, in this thread: importing it in a second thread raced Dagster's own lazy
    # imports ("partially initialized module sqlalchemy.orm.exc").
    meanwhile: Callable[[], object] | None = None


STAGES = {
    "dbt_prepare": Stage(DBT_DEFAULT_SELECT, AFTER_QUARANTINE, meanwhile=load_great_expectations),
    "dbt_facts": Stage(FACTS, DBT_DEFAULT_EXCLUDE),
    "dbt_reporting": Stage(AFTER_QUARANTINE, FACTS),
}


class DbtBuildConfig(Config):
    full_refresh: bool = False


def _stage(name: str, stage: Stage) -> AssetsDefinition:
    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        dagster_dbt_translator=P06Translator(),
        select=stage.select,
        exclude=stage.exclude,
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
        invocation = dbt.cli(args, context=context, target_path=target)  # dbt starts in its subprocess
        if stage.meanwhile:
            stage.meanwhile()
        yield from invocation.stream()

    return _assets


prepare_manifest_once()
DBT_STAGES = [_stage(name, stage) for name, stage in STAGES.items()]
