"""`p06 refresh --skip-dbt-tests` (the inbox sensor's fast path) against the default refresh, both
on a copy of raw/: the same marts, no dbt test run, and no surface claiming one passed. The fast
path runs as the sensor does, once before a file arrives and once after it: the second leaves out
the dbt nodes the file cannot change (transform/unchanged.py)."""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance
from mart_content import PROCESSING_COLUMNS, served_marts
from refresh_process import assert_published, run_refresh

from orchestration.quality.rules import all_rules
from orchestration.settings import REPO_ROOT, WarehousePaths

DBT_MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
# raw/'s files carry no submission date, so each refresh dates them by its own clock: these
# columns (and the deadline findings' wording, compared below with the time masked) differ by design.
REFRESH_CLOCK = (*PROCESSING_COLUMNS, "submitted_at", "first_submitted_at", "last_submitted_at", "detail")
CLOCK_IN_WORDS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
ARRIVES_LAST = REPO_ROOT / "raw" / "real" / "phu_tho_2023.csv"  # the only file of its province and year


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory):
    """One copy of raw/ for both refreshes."""
    raw = tmp_path_factory.mktemp("sample") / "raw"
    shutil.copytree(REPO_ROOT / "raw", raw)
    return raw


def _refreshed(raw_dir, warehouse_dir, *flags: str) -> tuple[WarehousePaths, str]:
    paths = WarehousePaths(raw_dir=raw_dir, warehouse_dir=warehouse_dir)
    result = run_refresh(paths.raw_dir, paths.warehouse_dir, *flags)
    assert_published(result)
    return paths, result.stdout


@pytest.fixture(scope="module")
def default_refresh(raw_dir, tmp_path_factory):
    return _refreshed(raw_dir, tmp_path_factory.mktemp("default") / "warehouse")


@pytest.fixture(scope="module")
def fast_refresh(raw_dir, tmp_path_factory):
    """raw/ without one file refreshed, then the same warehouse once the file is there."""
    warehouse = tmp_path_factory.mktemp("fast") / "warehouse"
    before = tmp_path_factory.mktemp("before") / "raw"
    shutil.copytree(
        raw_dir, before, ignore=lambda folder, names: [ARRIVES_LAST.name] if ARRIVES_LAST.name in names else []
    )
    _refreshed(before, warehouse, "--skip-dbt-tests")
    return _refreshed(raw_dir, warehouse, "--skip-dbt-tests")


def _run_results(paths: WarehousePaths) -> dict:
    """The last dbt stage's run_results.json."""
    return json.loads((paths.warehouse_dir / "dbt_target" / "run_results.json").read_text(encoding="utf-8"))


def _run_results_types(paths: WarehousePaths) -> set[str]:
    """Resource types of the nodes in the last dbt stage's run_results.json."""
    return {result["unique_id"].split(".")[0] for result in _run_results(paths)["results"]}


def _checks(paths: WarehousePaths) -> tuple[set[str], set[str]]:
    """(planned, evaluated) asset check names of the warehouse's last refresh run."""
    instance = DagsterInstance.from_config(str(paths.dagster_home))
    try:
        run = instance.get_runs(limit=1)[0]  # the last

        def names(event_type) -> set[str]:
            return {
                entry.dagster_event.event_specific_data.check_name
                for entry in instance.all_logs(run.run_id, of_type=event_type)
            }

        return names(DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED), names(DagsterEventType.ASSET_CHECK_EVALUATION)
    finally:
        instance.dispose()


def _finding_details(paths: WarehousePaths) -> list[str]:
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        details = con.execute("select coalesce(detail, '') from marts.quality_issues").fetchall()
    finally:
        con.close()
    return sorted(CLOCK_IN_WORDS.sub("<time>", detail) for (detail,) in details)


def test_the_fast_path_publishes_the_same_marts(default_refresh, fast_refresh):
    (fast, _), (default, _) = fast_refresh, default_refresh
    assert served_marts(fast, REFRESH_CLOCK) == served_marts(default, REFRESH_CLOCK)
    assert _finding_details(fast) == _finding_details(default)


def test_the_fast_path_runs_no_dbt_test_and_the_default_only_data_tests(default_refresh, fast_refresh):
    default = _run_results_types(default_refresh[0])
    assert "test" in default
    assert "unit_test" not in default  # tests/dbt/test_marts.py runs them
    fast = _run_results_types(fast_refresh[0])
    assert "model" in fast
    assert not {"test", "unit_test"} & fast


def test_a_build_with_data_tests_runs_on_four_threads_and_the_fast_path_on_the_profiles(default_refresh, fast_refresh):
    """Data tests are many small queries that wait on dbt more than on DuckDB (bench/README.md, issue 20
    session 7); without them more threads measured no faster."""
    assert _run_results(default_refresh[0])["args"].get("threads") == 4
    assert _run_results(fast_refresh[0])["args"].get("threads") is None  # profiles.yml: 2


def test_skipped_dbt_tests_are_not_planned_and_every_rule_is_still_checked(default_refresh, fast_refresh):
    nodes = json.loads(DBT_MANIFEST.read_text(encoding="utf-8"))["nodes"].values()
    dbt_tests = {node["name"] for node in nodes if node["resource_type"] == "test"}
    default_planned, default_evaluated = _checks(default_refresh[0])
    fast_planned, fast_evaluated = _checks(fast_refresh[0])
    assert default_evaluated == default_planned
    assert default_evaluated & dbt_tests
    assert fast_planned == fast_evaluated == default_evaluated - dbt_tests
    assert {rule.id for rule in all_rules()} <= fast_evaluated  # every CONTRACT §4 rule still checked


def test_the_summary_says_the_dbt_tests_were_skipped(default_refresh, fast_refresh):
    (fast_paths, fast_stdout), (default_paths, default_stdout) = fast_refresh, default_refresh
    assert json.loads(fast_paths.last_refresh.read_text(encoding="utf-8"))["dbt_tests"] == "skipped"
    assert json.loads(default_paths.last_refresh.read_text(encoding="utf-8"))["dbt_tests"] == "run"
    assert "dbt tests: skipped" in fast_stdout
    assert "dbt tests" not in default_stdout


def test_the_fast_path_after_a_file_arrives_rebuilds_no_seed_or_model_built_from_seeds_only(fast_refresh):
    paths = fast_refresh[0]
    instance = DagsterInstance.from_config(str(paths.dagster_home))
    try:
        run = instance.get_runs(limit=1)[0]
        materializations = [
            entry.asset_materialization
            for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        ]
    finally:
        instance.dispose()
    left_out = {m.asset_key.path[-1] for m in materializations if "dbt" in m.metadata}
    assert {"provinces", "indicators", "reporting_calendar", "dim_province", "dim_indicator"} <= left_out
    assert not left_out & {"fct_indicator_value", "province_scorecard", "submission_status"}
