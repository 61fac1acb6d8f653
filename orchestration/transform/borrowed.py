"""Every name our dbt calls borrow from outside dagster-dbt's and dbt's public API.

dagster-dbt's own CLI resource uses them, but they may move in any release. Each is looked up
here from one table when first imported, and a name that moved fails naming itself and its old
place; tests/dbt/test_borrowed.py resolves them all, so an upgrade that moves one fails there.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# name -> the module it lives in, in the pinned versions (dagster-dbt 0.29, dbt-core 1.11)
BORROWED: dict[str, str] = {
    "DAGSTER_DBT_SELECT_METADATA_KEY": "dagster_dbt.asset_utils",
    "DAGSTER_DBT_EXCLUDE_METADATA_KEY": "dagster_dbt.asset_utils",
    "DAGSTER_DBT_SELECTOR_METADATA_KEY": "dagster_dbt.asset_utils",
    "DBT_DEFAULT_SELECT": "dagster_dbt.asset_utils",
    "DBT_DEFAULT_EXCLUDE": "dagster_dbt.asset_utils",
    "get_manifest_and_translator_from_dbt_assets": "dagster_dbt.asset_utils",
    "get_subset_selection_for_context": "dagster_dbt.asset_utils",
    "DbtCoreCliEventMessage": "dagster_dbt.core.dbt_cli_event",
    "DuckDBConnectionManager": "dbt.adapters.duckdb.connections",
    "BehaviorFlagRendered": "dbt_common.behavior_flags",
    "msg_to_dict": "dbt_common.events.functions",
}


class MovedError(ImportError):
    """A borrowed name is no longer where the pinned version kept it."""


def __getattr__(name: str) -> Any:
    if name not in BORROWED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = BORROWED[name]
    try:
        value = getattr(import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise MovedError(
            f"{name} is no longer in {module} (dagster-dbt or dbt past the pinned versions): "
            f"find where it moved and update BORROWED in {__name__}"
        ) from exc
    globals()[name] = value  # looked up once
    return value
