"""The ingestion asset: every new file under the raw dir into schema raw of the work database."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.ingest.pipeline import ingest_new_files
from orchestration.resources import WarehouseResource


@asset(group_name="ingest", kinds={"python", "duckdb"})
def raw_submissions(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Provincial submissions (CSV, Excel template, JSON) parsed into canonical rows.

    Files are identified by the SHA-256 of their bytes and read once; rejected files and rows are
    kept with their reasons for marts.quality_issues.
    """
    with warehouse.connect() as con:
        report = ingest_new_files(warehouse.paths.raw_dir, con)
        warehouse.engine.after_ingest(con)
    context.log.info(
        f"files seen {report.files_seen}, ingested {report.files_ingested}, "
        f"skipped {report.files_skipped}, rejected {report.files_rejected}; "
        f"rows accepted {report.rows_accepted}, rejected {report.rows_rejected}"
    )
    for note in report.not_read:
        context.log.warning(f"not read under the raw dir: {note}")
    return MaterializeResult(
        metadata={
            **{key: MetadataValue.int(value) for key, value in report.to_dict().items()},
            "not_read": MetadataValue.json(report.not_read),
        }
    )
