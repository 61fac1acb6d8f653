"""`p06 rollback` end to end: the served file and its Parquet copies go back one publish."""

from __future__ import annotations

from mart_content import copy_warehouse, served_marts, served_parquet
from refresh_process import run_p06


def test_rollback_serves_the_previous_publish_until_there_is_none(incremental_warehouse, history_warehouse, tmp_path):
    paths = copy_warehouse(incremental_warehouse, tmp_path / "warehouse")
    assert served_marts(paths) != served_marts(history_warehouse)

    first = run_p06("rollback", "--warehouse-dir", str(paths.warehouse_dir))

    assert first.returncode == 0, first.stdout
    assert f"{paths.published_db} now serves snapshot " in first.stdout
    assert served_marts(paths) == served_marts(history_warehouse)
    assert served_parquet(paths) == served_parquet(history_warehouse)

    second = run_p06("rollback", "--warehouse-dir", str(paths.warehouse_dir))

    assert second.returncode == 1
    assert "nothing to roll back to" in second.stdout
    assert served_marts(paths) == served_marts(history_warehouse)


def test_rollback_of_a_warehouse_with_nothing_published_exits_1_and_says_why(tmp_path):
    (tmp_path / "warehouse").mkdir()
    result = run_p06("rollback", "--warehouse-dir", str(tmp_path / "warehouse"))

    assert result.returncode == 1
    assert "nothing is published yet" in result.stdout
