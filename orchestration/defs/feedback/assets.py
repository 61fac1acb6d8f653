"""The feedback step: after the quality step, whatever the gate decides (it does not wait for it)."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.resources import WarehouseResource
from orchestration.settings import today_in_vietnam


@asset(group_name="feedback", deps=[AssetKey("quarantined_values"), AssetKey("submission_status")])
def province_feedback(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """warehouse/feedback/<code>_<name>.html for each unit that sent anything or is late, in
    Vietnamese; e-mailed to P06_PROVINCE_CONTACTS when the page changed since last mailed."""
    from orchestration.feedback.collect import collect_feedback
    from orchestration.feedback.mail import mail_changed_pages
    from orchestration.feedback.pages import write_pages

    with warehouse.connect() as con:
        feedbacks = collect_feedback(con, today_in_vietnam())
    directory = warehouse.paths.feedback_dir
    pages = write_pages(feedbacks, directory)
    mailed = mail_changed_pages(pages, directory, log=context.log)
    context.log.info(f"{len(pages)} feedback page(s) in {directory}, {len(mailed)} e-mailed")
    return MaterializeResult(
        metadata={
            "pages": MetadataValue.int(len(pages)),
            "mailed": MetadataValue.json(mailed),
            "directory": MetadataValue.path(str(directory)),
        }
    )
