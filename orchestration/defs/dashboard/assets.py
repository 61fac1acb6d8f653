"""The scorecard site asset: rebuilt from the published marts after every publish."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.defs.publish.assets import published_marts
from orchestration.resources import WarehouseResource


@asset(group_name="publish", deps=[published_marts], kinds={"html"})
def scorecard_dashboard(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """warehouse/dashboard/: the scorecard site officials open (index.html, one page per unit).

    Built from p06.duckdb as just published, never from the work database, and swapped in at
    once; if the build fails, the previous site stays and the run says so.
    """
    from orchestration.dashboard.site import build_dashboard  # Jinja2 and templates: only here

    result = build_dashboard(warehouse.paths)
    context.log.info(f"scorecard site rebuilt: {result.site / 'index.html'} ({result.pages} pages)")
    return MaterializeResult(
        metadata={
            "index": MetadataValue.path(str(result.site / "index.html")),
            "pages": MetadataValue.int(result.pages),
        }
    )
