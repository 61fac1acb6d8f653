"""Which engine a refresh builds on: P06_WAREHOUSE_ENGINE, else PostgreSQL when a URL is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import build_resources

from orchestration.resources import P06Settings, WarehouseResource
from orchestration.warehouse.engines import engine_for

URL = "postgresql://p06:pw@db:5433/kho"


@pytest.mark.parametrize(
    ("url", "engine", "dbt_target"),
    [
        ("", "", "duckdb"),
        (URL, "", "postgres"),  # as before the engine setting existed
        ("", "duckdb", "duckdb"),
        (URL, "postgres", "postgres"),
        ("", "spark", "spark"),
        ("", " Spark_Thrift ", "spark_thrift"),
    ],
)
def test_the_setting_picks_the_dbt_target(url, engine, dbt_target):
    assert engine_for(url, engine).dbt_target == dbt_target


def test_spark_thrift_reaches_the_server_the_environment_names(monkeypatch, tmp_path):
    for variable, value in {
        "P06_WAREHOUSE_ENGINE": "spark_thrift",
        "P06_WAREHOUSE_DIR": str(tmp_path),
        "P06_SPARK_HOST": "thrift.lan",
        "P06_SPARK_PORT": "10001",
    }.items():
        monkeypatch.setenv(variable, value)
    settings = P06Settings.from_env()
    with build_resources({"warehouse": WarehouseResource(settings=settings)}) as resources:
        engine = resources.warehouse.engine
        assert engine.dbt_vars() == {"spark_host": "thrift.lan", "spark_port": "10001", "spark_user": "p06"}
        assert engine.warehouse.directory == tmp_path / "spark"


def test_the_spark_session_takes_its_master_and_memory_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("P06_SPARK_MASTER", "spark://master.lan:7077")
    monkeypatch.setenv("P06_SPARK_DRIVER_MEMORY", "3g")
    with build_resources({"settings": P06Settings.from_env()}) as resources:
        settings = resources.settings
    engine = engine_for(
        "",
        "spark",
        warehouse_dir=tmp_path,
        spark_master=settings.spark_master,
        spark_driver_memory=settings.spark_driver_memory,
    )
    assert (engine.warehouse.master, engine.warehouse.driver_memory) == ("spark://master.lan:7077", "3g")


@pytest.mark.parametrize(
    ("url", "engine", "message"),
    [
        ("", "trino", "P06_WAREHOUSE_ENGINE: expected one of duckdb, postgres, spark, spark_thrift, got 'trino'"),
        ("", "postgres", "P06_WAREHOUSE_ENGINE=postgres needs P06_WAREHOUSE_URL"),
        (URL, "spark", "P06_WAREHOUSE_URL names a PostgreSQL warehouse but P06_WAREHOUSE_ENGINE=spark"),
    ],
)
def test_a_contradictory_setting_is_refused_with_the_reason(url, engine, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        engine_for(url, engine, warehouse_dir=Path("warehouse"))
