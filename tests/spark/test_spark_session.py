"""`P06_WAREHOUSE_ENGINE=spark p06 refresh`: dbt on a SparkSession inside the refresh's process.

Ingestion and the quality step stay on the DuckDB work database; the raw tables and findings
reach Spark as Parquet, every seed, model and dbt test builds on Spark, the quality inputs and
marts come back, and the published marts equal the DuckDB refresh's row for row.
"""

from __future__ import annotations

from spark_fixtures import Refresh, assert_published_equal, published_marts

from orchestration.warehouse.layout import RAW_TABLES


def test_refresh_on_a_spark_session_publishes_the_marts_duckdb_publishes(
    p06_env_for, duckdb_refresh, request, tmp_path
):
    paths = Refresh(p06_env_for, tmp_path / "warehouse", P06_WAREHOUSE_ENGINE="spark").published()
    on_duckdb = request.getfixturevalue("on_duckdb")  # the DuckDB refresh (started first) ended meanwhile

    spark_dir = paths.warehouse_dir / "spark"
    assert sorted(str(table.relative_to(spark_dir / "pushed")) for table in (spark_dir / "pushed").glob("raw/*")) == (
        sorted(table.replace(".", "/") for table in RAW_TABLES)
    ), "the raw tables did not reach Spark as Parquet"
    assert (spark_dir / "session" / "warehouse" / "work_marts.db" / "province_scorecard").is_dir(), (
        "dbt did not build on the session"
    )
    assert_published_equal(published_marts(paths), on_duckdb)
