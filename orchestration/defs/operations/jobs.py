"""The refresh job: every asset and check, in one process so the warehouse lock spans the run."""

from dagster import AssetSelection, define_asset_job, in_process_executor

refresh_job = define_asset_job(
    name="refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest new submissions, build the warehouse, check every rule, publish the marts.",
    tags={"p06/writes_warehouse": "true"},
)
