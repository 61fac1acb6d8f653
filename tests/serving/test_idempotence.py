"""Every refresh is repeatable: nothing new gives identical marts, and the incremental path (the
history first, the new files the next night) gives the marts of one full rebuild from raw."""

from __future__ import annotations

import json

from mart_content import copy_warehouse, served_marts, served_parquet
from refresh_process import assert_published, run_refresh


def test_refresh_without_new_files_leaves_every_mart_identical(incremental_warehouse, tmp_path):
    paths = copy_warehouse(incremental_warehouse, tmp_path / "warehouse")
    marts_before, parquet_before = served_marts(paths), served_parquet(paths)

    assert_published(run_refresh(paths.raw_dir, paths.warehouse_dir))

    assert json.loads(paths.last_refresh.read_text())["files"]["ingested"] == 0
    assert served_marts(paths) == marts_before
    assert served_parquet(paths) == parquet_before


def test_full_rebuild_from_raw_gives_the_marts_of_the_incremental_path(incremental_warehouse, rebuilt_warehouse):
    incremental = served_marts(incremental_warehouse)

    assert incremental == served_marts(rebuilt_warehouse)
    assert served_parquet(incremental_warehouse) == served_parquet(rebuilt_warehouse)
    assert incremental["fct_indicator_value"][0] > 0
