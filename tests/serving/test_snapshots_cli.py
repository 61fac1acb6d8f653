"""`p06 snapshots` and `p06 rollback [--to ID]` as an operator runs them: undo a rollback, serve any."""

from __future__ import annotations

import re

import duckdb
import pytest
from mart_content import publish_tagged_marts
from refresh_process import run_p06

from orchestration.settings import WarehousePaths


def served_versions(paths: WarehousePaths) -> set[int]:
    """The versions a BI tool reads now: in p06.duckdb and in every Parquet copy."""
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        served = {row[0] for row in con.execute("select version from marts.fct_indicator_value").fetchall()}
        parquet = con.execute(f"select distinct version from read_parquet('{paths.parquet_dir}/*.parquet')").fetchall()
    return served | {row[0] for row in parquet}


def listed(paths: WarehousePaths) -> list[str]:
    result = run_p06("snapshots", "--warehouse-dir", str(paths.warehouse_dir))
    assert result.returncode == 0, result.stdout
    return result.stdout.splitlines()


@pytest.fixture
def paths(tmp_path) -> WarehousePaths:
    paths = WarehousePaths(tmp_path / "raw", tmp_path / "warehouse")
    for version in (1, 2, 3):
        publish_tagged_marts(paths, version)
    return paths


def test_a_rollback_is_undone_with_rollback_to_the_snapshot_it_left(paths):
    before = listed(paths)
    newest = re.search(r"snapshot (\S+)", before[0]).group(1)
    assert len(before) == 3 and before[0].endswith("served")

    back = run_p06("rollback", "--warehouse-dir", str(paths.warehouse_dir))

    assert back.returncode == 0, back.stdout
    assert served_versions(paths) == {2}
    after = listed(paths)
    assert len(after) == 3
    assert newest in after[0] and "rolled back 20" in after[0] and "served" not in after[0]
    assert after[1].endswith("served")

    forward = run_p06("rollback", "--to", newest, "--warehouse-dir", str(paths.warehouse_dir))

    assert forward.returncode == 0, forward.stdout
    assert f"now serves snapshot {newest}" in forward.stdout
    assert served_versions(paths) == {3}
    assert listed(paths)[0].endswith("served")


def test_rollback_to_the_oldest_snapshot_then_to_an_unknown_one(paths):
    oldest = re.search(r"snapshot (\S+)", listed(paths)[-1]).group(1)

    assert run_p06("rollback", "--to", oldest, "--warehouse-dir", str(paths.warehouse_dir)).returncode == 0
    assert served_versions(paths) == {1}

    unknown = run_p06("rollback", "--to", "20200101T000000000000Z", "--warehouse-dir", str(paths.warehouse_dir))
    assert unknown.returncode == 1
    assert "no snapshot '20200101T000000000000Z'" in unknown.stdout
    assert served_versions(paths) == {1}


@pytest.mark.parametrize("command", [["rollback"], ["rollback", "--to", "x"], ["snapshots"]])
def test_a_warehouse_dir_that_does_not_exist_exits_1_and_creates_nothing(tmp_path, command):
    missing = tmp_path / "no" / "warehouse"

    result = run_p06(*command, "--warehouse-dir", str(missing))

    assert result.returncode == 1
    assert f"warehouse dir {missing} does not exist" in result.stdout
    assert not (tmp_path / "no").exists()
