"""dbt run inside the Dagster process reports what a user sees in Dagster: materializations,
check results, and a failure naming the dbt test that failed; the database is free afterwards."""

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from dagster import AssetExecutionContext, AssetKey, materialize
from dagster_dbt import dbt_assets
from dbt.cli.main import dbtRunner

from orchestration.transform.dbt_calls import PARSE_SEED_FILE
from orchestration.transform.runner import DbtInProcess

MODELS = {
    "counted.sql": "select 1 as province_code, 10 as issued",
    "broken.sql": "select cast(null as integer) as province_code",
    "dated.sql": "select '{{ var(\"run_date\") }}' as run_date",
    "schema.yml": """
version: 2
models:
  - name: counted
    columns:
      - name: province_code
        data_tests: [not_null]
  - name: broken
    columns:
      - name: province_code
        data_tests: [not_null]
unit_tests:
  - name: counted_issues_eleven  # wrong: fails whenever it runs
    model: counted
    given: []
    expect:
      rows:
        - {province_code: 1, issued: 11}
""",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A small dbt project on its own DuckDB file, parsed (manifest.json, the seed of a fresh target's
    partial-parse cache) like `make` does."""
    root = tmp_path_factory.mktemp("dbt_in_process")
    (root / "models").mkdir()
    for name, text in MODELS.items():
        (root / "models" / name).write_text(text)
    (root / "dbt_project.yml").write_text("name: tiny\nprofile: tiny\nversion: '1.0'\n")
    (root / "profiles.yml").write_text(
        f"tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{root / 'tiny.duckdb'}'\n"
    )
    result = dbtRunner().invoke(["parse", *_by_hand(root), "--quiet"])
    assert result.success, result.exception
    shutil.copyfile(root / "target" / "partial_parse.msgpack", root / "target" / PARSE_SEED_FILE)
    return root


def _by_hand(project: Path) -> list[str]:
    """dbt run by hand in the project (its cache in project/target), naming the target as p06 does."""
    return ["--project-dir", str(project), "--profiles-dir", str(project), "--target", "dev"]


def _run(
    project: Path,
    selection: list[AssetKey] | None = None,
    dbt_vars: dict[str, str] | None = None,
    target: str = "run_target",
):
    @dbt_assets(manifest=project / "target" / "manifest.json")
    def tiny_assets(context: AssetExecutionContext, dbt: DbtInProcess):
        yield from dbt.build(
            context,
            target_path=project / target,
            dbt_target="dev",
            dbt_vars=dbt_vars or {"run_date": "2025-11-30"},
        )

    return materialize(
        [tiny_assets],
        resources={"dbt": DbtInProcess(project_dir=str(project), profiles_dir=str(project))},
        selection=selection,
        raise_on_error=False,
    )


def _tables(project: Path) -> set[str]:
    with duckdb.connect(str(project / "tiny.duckdb"), read_only=True) as con:
        return {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}


def test_failed_dbt_test_fails_the_step_naming_it_after_recording_what_succeeded(project):
    result = _run(project)

    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "test not_null_broken_province_code (fail" in message
    assert "counted" not in message
    materialized = {m.asset_key for m in result.asset_materializations_for_node("tiny_assets")}
    assert materialized == {AssetKey("counted"), AssetKey("broken"), AssetKey("dated")}
    checks = {(e.asset_key, e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        (AssetKey("counted"), "not_null_counted_province_code"): True,
        (AssetKey("broken"), "not_null_broken_province_code"): False,
    }


def test_the_database_is_free_for_other_processes_after_the_build(project):
    _run(project)

    writer = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(project / 'tiny.duckdb')!r}).close()"],
        capture_output=True,
        text=True,
    )
    assert writer.returncode == 0, writer.stderr
    assert {"counted", "broken", "dated"} <= _tables(project)  # a read-only connection in this process, too


def test_a_subset_selected_in_dagster_builds_only_that_model(project):
    (project / "tiny.duckdb").unlink()

    result = _run(project, selection=[AssetKey("counted")])

    assert result.success
    assert {m.asset_key for m in result.asset_materializations_for_node("tiny_assets")} == {AssetKey("counted")}
    assert _tables(project) == {"counted"}


def test_a_password_in_the_vars_is_in_no_file_dbt_writes_and_the_artifacts_are_all_there(project):
    password = "pa\"ss\\wörd's3cr3t"  # quotes and a backslash: escaped differently in JSON and in dbt.log
    target = project / "run_target"

    _run(project, dbt_vars={"run_date": "2025-11-30", "pg_password": password})

    assert {"run_results.json", "dbt.log"} <= {path.name for path in target.iterdir()}
    run_results = json.loads((target / "run_results.json").read_text())
    assert run_results["args"]["vars"]["pg_password"] == "***"
    assert {result["unique_id"] for result in run_results["results"]} >= {"model.tiny.counted", "model.tiny.broken"}
    assert "[debug]" in (target / "dbt.log").read_text()  # the same log as without a password
    forms = {password, json.dumps(password)[1:-1], repr(password)[1:-1], "s3cr3t"}
    written = [path for path in project.rglob("*") if path.is_file()]
    assert [(path.name, form) for path in written for form in forms if form.encode() in path.read_bytes()] == []


def test_the_build_runs_no_unit_test_and_the_project_has_a_failing_one(project):
    alone = dbtRunner().invoke(["test", "--select", "test_type:unit", *_by_hand(project), "--quiet"])
    assert [str(node.status) for node in alone.result] == ["fail"]

    _run(project)

    run_results = json.loads((project / "run_target" / "run_results.json").read_text())
    assert {result["unique_id"].split(".")[0] for result in run_results["results"]} == {"model", "test"}


def _table(project: Path, name: str) -> list[tuple]:
    with duckdb.connect(str(project / "tiny.duckdb"), read_only=True) as con:
        return con.execute(f"select * from {name}").fetchall()


def test_each_run_builds_with_its_own_run_date(project):
    _run(project, dbt_vars={"run_date": "2025-11-30"})
    assert _table(project, "dated") == [("2025-11-30",)]

    _run(project, dbt_vars={"run_date": "2025-12-01"})

    assert _table(project, "dated") == [("2025-12-01",)]


@contextmanager
def _counted_edited(project: Path, issued: int) -> Iterator[None]:
    """models/counted.sql gives `issued` while the block runs."""
    edited = project / "models" / "counted.sql"
    before = edited.read_text()
    edited.write_text(f"select 1 as province_code, {issued} as issued")
    try:
        yield
    finally:
        edited.write_text(before)


def test_a_fresh_target_starts_from_the_projects_parse_and_still_sees_an_edited_model(project):
    with _counted_edited(project, 12):
        _run(project, target="fresh_target")

    assert _table(project, "counted") == [(1, 12)]
    log = (project / "fresh_target" / "dbt.log").read_text()
    assert "Starting full parse" not in log
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 1 files changed." in log


def _parses(log: Path) -> int:
    return log.read_text().count("Command `cli parse` succeeded")


def test_a_run_takes_the_parse_made_before_it_when_nothing_changed_since(project):
    dbt = DbtInProcess(project_dir=str(project), profiles_dir=str(project))
    dbt.parse_ahead(target_path=project / "ahead_target", dbt_target="dev", dbt_vars={"run_date": "2025-11-29"})

    _run(project, dbt_vars={"run_date": "2025-12-02"}, target="ahead_target")

    assert _parses(project / "ahead_target" / "dbt.log") == 1
    assert _table(project, "dated") == [("2025-12-02",)]  # the build still gets the run's date


def test_a_model_edited_after_the_parse_made_before_the_run_is_built_as_edited(project):
    dbt = DbtInProcess(project_dir=str(project), profiles_dir=str(project))
    dbt.parse_ahead(target_path=project / "edited_target", dbt_target="dev", dbt_vars={"run_date": "2025-11-29"})
    with _counted_edited(project, 13):
        _run(project, target="edited_target")

    assert _table(project, "counted") == [(1, 13)]
    assert _parses(project / "edited_target" / "dbt.log") == 2
