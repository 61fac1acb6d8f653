"""dbt models as Dagster assets, in three stages around the quality step.

dbt_prepare    seeds, staging and intermediate models up to the candidate values
dbt_facts      fct_indicator_value and what it needs after quarantine (the gate checks it)
dbt_reporting  the marts built from the facts: not built when a blocking check failed
"""

from collections.abc import Callable

from dagster import AssetCheckKey, AssetExecutionContext, AssetKey, AssetsDefinition, Config, JobDefinition
from dagster_dbt import dbt_assets, get_asset_key_for_model

from orchestration.resources import WarehouseResource
from orchestration.settings import today_in_vietnam
from orchestration.transform.borrowed import DBT_DEFAULT_EXCLUDE, DBT_DEFAULT_SELECT
from orchestration.transform.project import dbt_project, prepare_manifest_once
from orchestration.transform.runner import DbtInProcess
from orchestration.transform.translator import P06Translator
from orchestration.transform.unchanged import duckdb_relations
from orchestration.warehouse.engines import DuckDBEngine

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
    # False on the sensor's fast path: dbt's data tests wait for the nightly refresh, while
    # the marts' enforced contracts and the GX gate (every CONTRACT §4 rule) still guard the run.
    data_tests: bool = True


def dbt_build_run_config(*, full_refresh: bool = False, data_tests: bool = True) -> dict:
    """The refresh job's run config giving every dbt stage the same build options."""
    config = {"full_refresh": full_refresh, "data_tests": data_tests}
    return {"ops": {stage: {"config": config} for stage in STAGES}}


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
        context: AssetExecutionContext, dbt: DbtInProcess, warehouse: WarehouseResource, config: DbtBuildConfig
    ):
        yield from dbt.build(
            context,
            target_path=warehouse.paths.dbt_target_dir,
            dbt_target=warehouse.engine.dbt_target,
            dbt_vars={"run_date": today_in_vietnam().isoformat(), **warehouse.dbt_vars()},
            full_refresh=config.full_refresh,
            data_tests=config.data_tests,
            threads_with_tests=warehouse.engine.dbt_threads_with_tests,
            warehouse_relations=_relations_of(warehouse),
        )

    return _assets


def _relations_of(warehouse: WarehouseResource) -> Callable[[], set[tuple[str, str]]] | None:
    """What a build may ask of the warehouse before leaving out unchanged nodes: the work database's
    relations; None on the other engines (their builds build everything)."""
    if warehouse.engine.dbt_target != DuckDBEngine.dbt_target:
        return None

    def relations() -> set[tuple[str, str]]:
        with warehouse.connect() as con:
            return duckdb_relations(con)

    return relations


prepare_manifest_once()
DBT_STAGES = [_stage(name, select, exclude) for name, (select, exclude) in STAGES.items()]


def model_key(name: str) -> AssetKey:
    """A dbt model's asset key, read from the manifest: a model renamed in dbt fails loading, by name."""
    return get_asset_key_for_model(DBT_STAGES[:1], name)  # each stage carries the whole manifest


def selection_without_dbt_tests(job: JobDefinition) -> tuple[set[AssetKey], set[AssetCheckKey]]:
    """Every asset and every check of the job but dbt's tests: the selection of runs whose dbt stages
    leave the tests out (`data_tests: false`), so that their checks are not planned (one stored
    event each when the run is created) and the run shows only checks that execute."""
    graph = job.asset_layer.asset_graph
    dbt_tests = {key for stage in DBT_STAGES for key in stage.check_keys}
    return set(graph.get_all_asset_keys()), graph.asset_check_keys - dbt_tests
