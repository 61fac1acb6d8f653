"""Every refresh is repeatable: nothing new gives identical marts, whether the refresh is skipped
as a no-op or forced to run every step again; and the incremental path (the history first, the
new files the next night) gives the marts of one full rebuild from raw."""

from __future__ import annotations

import json

import pytest
from mart_content import PROCESSING_COLUMNS, copy_warehouse, served_marts, served_parquet
from refresh_process import assert_published, run_refresh


@pytest.mark.parametrize("flags", [(), ("--force",)], ids=["skipped", "forced"])
def test_refresh_without_new_files_leaves_every_mart_identical(incremental_warehouse, tmp_path, flags):
    paths = copy_warehouse(incremental_warehouse, tmp_path / "warehouse")
    marts_before, parquet_before = served_marts(paths), served_parquet(paths)

    assert_published(run_refresh(paths.raw_dir, paths.warehouse_dir, *flags))

    summary = json.loads(paths.last_refresh.read_text())
    assert summary["files"]["ingested"] == 0
    assert summary.get("noop", False) == (not flags)  # --force really ran every step again
    assert served_marts(paths) == marts_before
    assert served_parquet(paths) == parquet_before


def test_full_rebuild_from_raw_gives_the_marts_of_the_incremental_path(incremental_warehouse, rebuilt_warehouse):
    incremental = served_marts(incremental_warehouse, PROCESSING_COLUMNS)

    assert incremental == served_marts(rebuilt_warehouse, PROCESSING_COLUMNS)
    assert served_parquet(incremental_warehouse, PROCESSING_COLUMNS) == served_parquet(
        rebuilt_warehouse, PROCESSING_COLUMNS
    )
    assert incremental["fct_indicator_value"][0] > 0
