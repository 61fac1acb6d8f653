"""The inbox sensor's builds (no data tests, no --full-refresh) leave out what new data cannot change
(transform/unchanged.py): new rows still reach the tables, and a changed seed or model, a missing
relation or a failed build still builds what it must."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetExecutionContext, AssetKey, materialize
from dagster_dbt import dbt_assets
from dbt.cli.main import dbtRunner

from orchestration.transform.dbt_calls import PARSE_SEED_FILE
from orchestration.transform.runner import DbtInProcess
from orchestration.transform.unchanged import UNCHANGED, duckdb_relations

FILES = {
    "seeds/provinces.csv": "province_code,province_name\n1,Ha Noi\n",
    "models/sources.yml": """
version: 2
sources:
  - name: raw
    tables: [{name: submitted}]
""",
    "models/stg_submitted.sql": """
{{ config(materialized='view') }}
select province_code, issued from {{ source('raw', 'submitted') }}
""",
    "models/dim_province.sql": "select province_code, province_name from {{ ref('provinces') }}",
    "models/issued.sql": """
select s.province_code, d.province_name, s.issued
from {{ ref('stg_submitted') }} as s inner join {{ ref('dim_province') }} as d using (province_code)
""",
}
ALL = {"provinces", "stg_submitted", "dim_province", "issued"}


@pytest.fixture
def project(tmp_path) -> Path:
    """A project with a seed, a source, a view over it, a table from the seed and one from both,
    parsed as `make` does, and its source with one submitted row."""
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "dbt_project.yml").write_text(
        "name: tiny\nprofile: tiny\nversion: '1.0'\nmodels: {tiny: {+materialized: table}}\n"
    )
    (tmp_path / "profiles.yml").write_text(
        f"tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{tmp_path / 'tiny.duckdb'}'\n"
    )
    args = ["--project-dir", str(tmp_path), "--profiles-dir", str(tmp_path), "--target", "dev", "--quiet"]
    assert dbtRunner().invoke(["parse", *args]).success
    shutil.copyfile(tmp_path / "target" / "partial_parse.msgpack", tmp_path / "target" / PARSE_SEED_FILE)
    _sql(tmp_path, "create schema raw; create table raw.submitted as select 1 as province_code, 10 as issued")
    return tmp_path


def _sql(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "tiny.duckdb")) as con:
        return con.execute(sql).fetchall()


def _relations(project: Path):
    def relations():
        with duckdb.connect(str(project / "tiny.duckdb")) as con:
            return duckdb_relations(con)

    return relations


def _sensor_build(project: Path, **options):
    """One build as the inbox sensor's run does it; returns Dagster's result and what dbt built."""

    @dbt_assets(manifest=project / "target" / "manifest.json")
    def tiny_assets(context: AssetExecutionContext, dbt: DbtInProcess):
        yield from dbt.build(
            context,
            target_path=project / "run_target",
            dbt_target="dev",
            dbt_vars={"run_date": "2025-11-30"},
            warehouse_relations=_relations(project),
            **{"data_tests": False, **options},
        )

    result = materialize(
        [tiny_assets],
        resources={"dbt": DbtInProcess(project_dir=str(project), profiles_dir=str(project))},
        raise_on_error=False,
    )
    run_results = json.loads((project / "run_target" / "run_results.json").read_text())
    return result, {node["unique_id"].split(".")[-1] for node in run_results["results"]}


def _unchanged(result) -> set[str]:
    return {
        m.asset_key.path[-1]
        for m in result.asset_materializations_for_node("tiny_assets")
        if m.metadata.get("dbt") is not None and m.metadata["dbt"].value == UNCHANGED
    }


def test_new_rows_reach_the_tables_and_what_they_cannot_change_is_left_out(project):
    first, built_first = _sensor_build(project)
    _sql(project, "insert into raw.submitted values (1, 5)")

    result, built = _sensor_build(project)

    assert first.success and result.success
    assert built_first == ALL
    assert built == {"issued"}
    assert _sql(project, "select * from issued order by issued") == [(1, "Ha Noi", 5), (1, "Ha Noi", 10)]
    materialized = {m.asset_key for m in result.asset_materializations_for_node("tiny_assets")}
    assert materialized == {AssetKey(name) for name in ALL}  # the steps after the stage still run
    assert _unchanged(result) == ALL - {"issued"}


def test_a_changed_seed_is_rebuilt_with_what_depends_on_it(project):
    _sensor_build(project)
    (project / "seeds" / "provinces.csv").write_text("province_code,province_name\n1,Thủ đô Hà Nội\n")

    result, built = _sensor_build(project)

    assert result.success
    assert built == {"provinces", "dim_province", "issued"}
    assert _sql(project, "select province_name from dim_province") == [("Thủ đô Hà Nội",)]
    assert _sql(project, "select province_name from issued") == [("Thủ đô Hà Nội",)]


def test_an_edited_model_is_rebuilt(project):
    _sensor_build(project)
    (project / "models" / "dim_province.sql").write_text(
        "select province_code, upper(province_name) as province_name from {{ ref('provinces') }}"
    )

    result, built = _sensor_build(project)
    _, built_next = _sensor_build(project)

    assert result.success
    assert built == {"dim_province", "issued"}
    assert _sql(project, "select province_name from issued") == [("HA NOI",)]
    assert built_next == {"issued"}  # the edit is now the stage's state


def test_a_relation_missing_from_the_warehouse_builds_everything(project):
    _sensor_build(project)
    _sql(project, "drop table main.provinces")

    result, built = _sensor_build(project)

    assert result.success
    assert built == ALL
    assert _sql(project, "select province_name from dim_province") == [("Ha Noi",)]


def test_after_a_failed_build_the_next_builds_everything(project):
    _sensor_build(project)
    _sql(project, "alter table raw.submitted rename column issued to sent")
    failed, _ = _sensor_build(project)
    _sql(project, "alter table raw.submitted rename column sent to issued")

    result, built = _sensor_build(project)

    assert not failed.success and result.success
    assert built == ALL


def test_a_full_refresh_or_a_build_with_data_tests_builds_everything(project):
    _sensor_build(project)

    full_refresh, built_full = _sensor_build(project, full_refresh=True)
    with_tests, built_with_tests = _sensor_build(project, data_tests=True)

    assert full_refresh.success and with_tests.success
    assert built_full == built_with_tests == ALL
