"""dbt on an in-process Spark session (target `spark`): every model from the sample data.

The raw tables and findings reach Spark as Parquet; every seed and model builds; the CONTRACT §5
marts, brought back through Parquet, equal DuckDB's row for row, types included. The `percent`
macro's Spark variant meets the same cases as DuckDB and PostgreSQL.
"""

from __future__ import annotations

import time

import duckdb
import pytest
from dbt.cli.main import dbtRunner
from percent_cases import CASES, expected, rates_sql
from spark_fixtures import MODELS_AND_SEEDS, SPARK_TABLES, assert_marts_equal, dbt_args, relation, statuses

from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.spark.session import local_session, stop_session
from orchestration.spark.tables import pull_table, push_tables
from orchestration.transform.runner import failure_summary


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = local_session(tmp_path_factory.mktemp("spark_session"), keep_catalog=False)
    yield session
    stop_session(session)  # before the cluster of test_spark_thrift.py starts: memory


def test_percent_is_rounded_half_up_to_two_decimals_exactly(spark):
    rates = [row[1] for row in spark.sql(rates_sql("spark__percent", "double")).collect()]
    assert rates == [expected(n, d) for n, d in CASES]
    assert all(rate is None or type(rate) is float for rate in rates)


@pytest.fixture(scope="module")
def spark_build(spark, reference, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("spark_build")
    with duckdb.connect(str(reference.work_db), read_only=True) as duck:
        push_tables(duck, spark.sql, SPARK_TABLES, workdir / "parquet")

    started = time.monotonic()
    result = dbtRunner().invoke(dbt_args("build", *MODELS_AND_SEEDS, target="spark", workdir=workdir))
    print(f"dbt build on a local Spark session: {time.monotonic() - started:.0f} s")
    if not result.success:
        pytest.fail(f"dbt build on Spark: {failure_summary(result)}")

    marts = workdir / "marts.duckdb"
    with duckdb.connect(str(marts)) as duck:
        for table in PUBLISHED_MARTS:
            pull_table(spark.sql, duck, relation(workdir, "spark", table), workdir / "pulled")
    return workdir, marts


def test_every_seed_and_model_builds(spark_build):
    workdir, _ = spark_build
    built = statuses(workdir, "spark")
    assert built and set(built.values()) == {"success"}


def test_marts_equal_duckdb_row_for_row(reference, spark_build):
    workdir, marts = spark_build
    assert_marts_equal(reference, marts, "spark", workdir)
