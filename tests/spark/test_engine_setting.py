"""Which engine a refresh builds on: P06_WAREHOUSE_ENGINE, else PostgreSQL when a URL is set."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_spark_thrift_reaches_the_server_the_environment_names(tmp_path):
    engine = engine_for(
        "", "spark_thrift", warehouse_dir=tmp_path, env={"P06_SPARK_HOST": "thrift.lan", "P06_SPARK_PORT": "10001"}
    )
    assert engine.dbt_vars() == {"spark_host": "thrift.lan", "spark_port": "10001", "spark_user": "p06"}
    assert engine.warehouse.directory == tmp_path / "spark"


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
