"""raw_inbox_sensor: a run for bytes the warehouse has not ingested, keyed by those bytes.

"Ingested" is the work database's record, whoever wrote it: the first tick of `make dev` after
`p06 refresh` (`make run`) starts nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context

from orchestration.definitions import defs
from orchestration.defs.operations.sensors import raw_inbox_sensor
from orchestration.defs.transform.assets import DBT_STAGES
from orchestration.ingest.pipeline import ingest_new_files
from orchestration.operations.lock import warehouse_lock
from orchestration.quality.rules import all_rules
from orchestration.settings import REPO_ROOT, WarehousePaths

P06 = str(Path(sys.executable).parent / "p06")
LONG_CSV = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,2024-Q1,VNEID_ISSUED,1000\n"
OTHER_CSV = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,2024-Q2,VNEID_ISSUED,1200\n"


@pytest.fixture
def raw_dir(warehouse_paths, monkeypatch) -> Path:
    monkeypatch.setenv("P06_RAW_DIR", str(warehouse_paths.raw_dir))
    monkeypatch.setenv("P06_WAREHOUSE_DIR", str(warehouse_paths.warehouse_dir))
    return warehouse_paths.raw_dir


def evaluate(instance: DagsterInstance | None = None) -> RunRequest | SkipReason:
    """One tick of a sensor that never ran before (a fresh `make dev`)."""
    # the code location's definitions, as the daemon passes them: the run's selection comes from its job;
    # the raw and warehouse dirs from the environment (the raw_dir fixture's)
    return raw_inbox_sensor(build_sensor_context(instance=instance, definitions=defs))


def ingest(paths: WarehousePaths) -> None:
    """What a refresh run does first: ingest every new file into the work database."""
    paths.warehouse_dir.mkdir(exist_ok=True)
    with duckdb.connect(str(paths.work_db)) as con:
        ingest_new_files(paths.raw_dir, con)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_an_empty_raw_dir_starts_nothing(raw_dir):
    assert isinstance(evaluate(), SkipReason)


def test_files_that_are_not_submissions_start_nothing(raw_dir):
    (raw_dir / "notes.txt").write_text("đọc kỹ trước khi gửi")
    (raw_dir / "ha-noi.csv.bak").write_text(LONG_CSV)
    assert isinstance(evaluate(), SkipReason)


def test_a_new_file_starts_a_run_until_the_warehouse_has_ingested_it(raw_dir, warehouse_paths):
    (raw_dir / "2024-Q1").mkdir()
    (raw_dir / "2024-Q1" / "ha-noi.csv").write_text(LONG_CSV)

    first = evaluate()
    assert isinstance(first, RunRequest)
    again = evaluate()  # not ingested yet: the same run key, which Dagster starts once
    assert again.run_key == first.run_key

    ingest(warehouse_paths)
    assert isinstance(evaluate(), SkipReason)


def dbt_build_configs(request: RunRequest) -> list[dict]:
    return [op["config"] for name, op in request.run_config["ops"].items() if name.startswith("dbt_")]


def test_a_blank_raw_dir_variable_means_the_default_raw_dir_the_run_reads(warehouse_paths, monkeypatch):
    # the settings resource (the run's) keeps its default "raw" for a variable set to blanks
    monkeypatch.chdir(warehouse_paths.raw_dir.parent)
    monkeypatch.setenv("P06_RAW_DIR", "  ")
    monkeypatch.setenv("P06_WAREHOUSE_DIR", "")
    (warehouse_paths.raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    assert isinstance(evaluate(), RunRequest)


def test_a_new_file_starts_the_fast_path_without_dbt_tests(raw_dir):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    request = evaluate()
    configs = dbt_build_configs(request)
    assert len(configs) == 3  # prepare, facts, reporting
    assert all(config == {"full_refresh": False, "data_tests": False} for config in configs)
    # the checks of dbt's tests are left out of the run (not planned), every other check is in it
    checks = {key.name for key in request.asset_check_keys}
    dbt_tests = {key.name for stage in DBT_STAGES for key in stage.check_keys}
    assert dbt_tests and not checks & dbt_tests
    assert {rule.id for rule in all_rules()} <= checks
    assert {"raw_submissions", "fct_indicator_value", "published_marts"} <= {
        key.path[-1] for key in request.asset_selection
    }


def test_the_run_key_depends_on_the_bytes_not_on_the_name(raw_dir, tmp_path):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    first = evaluate()

    (raw_dir / "ha-noi.csv").rename(raw_dir / "HN_quy1.CSV")
    assert evaluate().run_key == first.run_key

    (raw_dir / "HN_quy1.CSV").write_text(OTHER_CSV)
    assert evaluate().run_key != first.run_key


def test_ingested_bytes_under_another_name_or_touched_start_no_run(raw_dir, warehouse_paths):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    ingest(warehouse_paths)

    shutil.copyfile(raw_dir / "ha-noi.csv", raw_dir / "ha-noi (1).csv")
    os.utime(raw_dir / "ha-noi.csv")
    assert isinstance(evaluate(), SkipReason)


def test_a_new_file_beside_ingested_ones_starts_a_run_keyed_by_it_alone(raw_dir, warehouse_paths):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    ingest(warehouse_paths)
    (raw_dir / "ha-noi-q2.csv").write_text(OTHER_CSV)
    beside = evaluate()
    assert isinstance(beside, RunRequest)
    assert beside.tags["p06/new_files"] == "1"

    (raw_dir / "ha-noi.csv").unlink()
    shutil.rmtree(warehouse_paths.warehouse_dir)
    alone = evaluate()  # a warehouse that never ingested anything
    assert beside.run_key == alone.run_key


def test_while_a_refresh_holds_the_warehouse_the_sensor_waits(raw_dir, warehouse_paths):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    with warehouse_lock(warehouse_paths.lock_file, timeout_seconds=0):
        assert isinstance(evaluate(), SkipReason)
    assert isinstance(evaluate(), RunRequest)


def test_the_sensor_never_writes_the_raw_dir(raw_dir, warehouse_paths):
    (raw_dir / "2024").mkdir()
    (raw_dir / "2024" / "ha-noi.csv").write_text(LONG_CSV)
    (raw_dir / "hcm.json").write_text('{"province_code": "79", "period": "2024", "indicators": {}}')
    before = snapshot(raw_dir)

    evaluate()
    ingest(warehouse_paths)
    evaluate()

    assert snapshot(raw_dir) == before


def test_after_p06_refresh_the_first_sensor_tick_starts_no_run_and_sends_no_alert(
    warehouse_paths, p06_env, monkeypatch
):
    shutil.copytree(REPO_ROOT / "raw" / "synthetic" / "ha_noi", warehouse_paths.raw_dir, dirs_exist_ok=True)
    refresh = subprocess.run([P06, "refresh"], env=p06_env, capture_output=True, text=True, timeout=600)
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    alerts_before = (warehouse_paths.warehouse_dir / "alerts.jsonl").read_bytes()
    monkeypatch.setenv("P06_RAW_DIR", str(warehouse_paths.raw_dir))
    monkeypatch.setenv("P06_WAREHOUSE_DIR", str(warehouse_paths.warehouse_dir))

    with DagsterInstance.from_config(str(warehouse_paths.dagster_home)) as instance:
        tick = evaluate(instance)
        runs = instance.get_runs()

    assert isinstance(tick, SkipReason), tick
    assert "already ingested" in tick.skip_message
    assert [run.tags.get("p06/launched_by") for run in runs] == ["cli"]
    assert (warehouse_paths.warehouse_dir / "alerts.jsonl").read_bytes() == alerts_before
    assert json.loads(warehouse_paths.last_refresh.read_text())["status"] == "published"

    (warehouse_paths.raw_dir / "2025-Q4_ha_noi.csv").write_text(
        "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,2025-Q4,VNEID_ISSUED,8000000\n", encoding="utf-8"
    )
    new_file = evaluate()
    assert isinstance(new_file, RunRequest)
    assert new_file.tags["p06/new_files"] == "1"


def test_a_tick_on_an_inbox_unchanged_since_all_was_ingested_reads_nothing_yet_sees_any_change(
    raw_dir, warehouse_paths
):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    ingest(warehouse_paths)
    context = build_sensor_context(definitions=defs)
    assert "already ingested" in raw_inbox_sensor(context).skip_message
    looked = context.cursor

    def tick():
        return raw_inbox_sensor(build_sensor_context(cursor=looked, definitions=defs))

    # The same inbox again: skipped without a look at the work database (held by a writer here).
    with duckdb.connect(str(warehouse_paths.work_db)):
        assert "changed" in tick().skip_message

    (raw_dir / "ha-noi-q2.csv").write_text(OTHER_CSV)
    assert isinstance(tick(), RunRequest)
    (raw_dir / "ha-noi-q2.csv").unlink()
    shutil.rmtree(warehouse_paths.warehouse_dir)  # a warehouse removed: every file is new again
    assert isinstance(tick(), RunRequest)
