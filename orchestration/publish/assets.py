"""The publish asset: the served p06.duckdb and its Parquet copies."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.postgres import refresh as postgres
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.publish.publisher import publish, remove_stale_temp_files
from orchestration.resources import WarehouseResource
from orchestration.transform.assets import model_key


@asset(
    group_name="publish",
    deps=[model_key(table) for table in PUBLISHED_MARTS],
    kinds={"duckdb", "parquet"},
)
def published_marts(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """warehouse/p06.duckdb (schema marts) swapped in atomically, plus warehouse/parquet/*.parquet.

    Only runs when every blocking quality check passed; BI tools read this file read-only. With
    P06_WAREHOUSE_URL set, schema marts on PostgreSQL is swapped too (readable by bi_reader).
    """
    remove_stale_temp_files(warehouse.paths)
    target = warehouse.postgres
    if target:
        with warehouse.connect() as con:
            postgres.pull_marts(con, target)
    result = publish(warehouse.paths, run_id=context.run_id)
    context.log.info(f"published {result.published_db} (snapshot {result.snapshot.name})")
    if target:
        postgres.publish(target)
        context.log.info(f"published schema marts on PostgreSQL {target}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(result.published_db)),
            "snapshot": MetadataValue.path(str(result.snapshot)),
            "tables": MetadataValue.json(list(result.row_counts)),
            **{f"rows.{table}": MetadataValue.int(n) for table, n in result.row_counts.items()},
        }
    )
