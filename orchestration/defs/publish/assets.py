"""The publish asset: the served p06.duckdb and its Parquet copies."""

from dagster import (
    AssetExecutionContext,
    DagsterExecutionInterruptedError,
    DagsterRunStatus,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.alerts.stale import STALE_AFTER
from orchestration.defs.transform.assets import model_key
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.publish.publisher import publish, remove_stale_temp_files
from orchestration.resources import WarehouseResource


@asset(
    group_name="publish",
    deps=[model_key(table) for table in PUBLISHED_MARTS],
    kinds={"duckdb", "parquet"},
    # Dagster's own view of the same rule (asset page, health); stale_marts_sensor sends the alert.
    freshness_policy=FreshnessPolicy.time_window(fail_window=STALE_AFTER),
)
def published_marts(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """warehouse/p06.duckdb (schema marts) swapped in atomically, plus warehouse/parquet/*.parquet.

    Only runs when every blocking quality check passed; BI tools read this file read-only. With
    P06_WAREHOUSE_URL set, schema marts on PostgreSQL is swapped too (readable by bi_reader):
    the warehouse's engine publishes there after the DuckDB publish.
    """
    _stop_if_terminated(context)
    remove_stale_temp_files(warehouse.paths)
    with warehouse.connect() as con:
        warehouse.engine.before_publish(con)
    result = publish(warehouse.paths, run_id=context.run.run_id)
    context.log.info(f"published {result.published_db} (snapshot {result.snapshot.name})")
    if published_on_engine := warehouse.engine.publish():
        context.log.info(f"published {published_on_engine}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(result.published_db)),
            "snapshot": MetadataValue.path(str(result.snapshot)),
            "tables": MetadataValue.json(list(result.row_counts)),
            **{f"rows.{table}": MetadataValue.int(n) for table, n in result.row_counts.items()},
        }
    )


def _stop_if_terminated(context: AssetExecutionContext) -> None:
    """Terminate interrupts the run once; an interrupt that landed inside dbt's in-process call can
    be lost there, so the publish asks the run's status itself before serving anything."""
    run = context.instance.get_run_by_id(context.run.run_id)
    if run is not None and run.status in (DagsterRunStatus.CANCELING, DagsterRunStatus.CANCELED):
        raise DagsterExecutionInterruptedError("the run was terminated before its publish: nothing published")
