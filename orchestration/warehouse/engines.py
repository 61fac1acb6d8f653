"""One class per warehouse engine dbt builds on, chosen once from the settings (`engine_for`).

Ingestion, the quality step and the DuckDB publish always use the DuckDB work database; an engine
says which dbt target builds the models and moves tables between the two at the points of the
refresh job named by its methods. Adding an engine = one more class here + one dbt target in
dbt_project/profiles.yml.

The setting: `P06_WAREHOUSE_ENGINE` = duckdb | postgres | spark | spark_thrift; unset, PostgreSQL
when `P06_WAREHOUSE_URL` is set (as before the setting existed), else DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import duckdb

from orchestration.postgres import refresh as postgres
from orchestration.postgres.lock import postgres_writer_lock
from orchestration.postgres.target import URL_VARIABLE, PostgresTarget
from orchestration.spark import refresh as spark
from orchestration.warehouse.layout import (
    FINDINGS_TABLE,
    GATE_INPUTS,
    HISTORY_TABLE,
    QUALITY_INPUTS,
    RAW_TABLES,
    marts_from_engine,
)

ENGINE_VARIABLE = "P06_WAREHOUSE_ENGINE"
ENGINES = ("duckdb", "postgres", "spark", "spark_thrift")


class Engine:
    """What a refresh does for its engine at each crossing; by default nothing."""

    dbt_target: str
    # dbt's threads for a build that runs the data tests (None: the profile's): many small queries
    # that wait on dbt more than on the engine (bench/README.md, issue 20 session 7)
    dbt_threads_with_tests: int | None = None

    def dbt_vars(self) -> dict[str, str]:
        """Values dbt_project/profiles.yml reads for this target (`--vars`), beside the work db."""
        return {}

    def writer_lock(self, timeout_seconds: float) -> AbstractContextManager:
        """Held for a whole run beside the warehouse dir's own lock."""
        return nullcontext()

    def running(self) -> AbstractContextManager:
        """Held for a whole run: whatever the engine keeps open for it, closed at the end."""
        return nullcontext()

    def after_ingest(self, duck: duckdb.DuckDBPyConnection) -> None:
        pass

    def before_quarantine(self, duck: duckdb.DuckDBPyConnection) -> None:
        pass

    def after_quarantine(self, duck: duckdb.DuckDBPyConnection) -> None:
        pass

    def before_gate(self, duck: duckdb.DuckDBPyConnection) -> None:
        pass

    def before_publish(self, duck: duckdb.DuckDBPyConnection) -> None:
        pass

    def publish(self) -> str | None:
        """Publishes on the engine too; returns where, for the log."""
        return None


class DuckDBEngine(Engine):
    """dbt builds in the work database itself: nothing crosses over."""

    dbt_target = "duckdb"
    dbt_threads_with_tests = 4


class PostgresEngine(Engine):
    """dbt builds on PostgreSQL (orchestration/postgres/refresh.py draws the crossings)."""

    dbt_target = "postgres"

    def __init__(self, target: PostgresTarget):
        self.target = target

    def dbt_vars(self) -> dict[str, str]:
        return self.target.dbt_vars()

    def writer_lock(self, timeout_seconds: float) -> AbstractContextManager:
        return postgres_writer_lock(self.target, timeout_seconds)

    def after_ingest(self, duck: duckdb.DuckDBPyConnection) -> None:
        postgres.push_raw(duck, self.target)

    def before_quarantine(self, duck: duckdb.DuckDBPyConnection) -> None:
        postgres.pull_quality_inputs(duck, self.target)

    def after_quarantine(self, duck: duckdb.DuckDBPyConnection) -> None:
        postgres.push_findings(duck, self.target)

    def before_gate(self, duck: duckdb.DuckDBPyConnection) -> None:
        postgres.pull_marts(duck, self.target, postgres.GATE_INPUTS)

    def before_publish(self, duck: duckdb.DuckDBPyConnection) -> None:
        postgres.pull_marts(duck, self.target)

    def publish(self) -> str | None:
        postgres.publish(self.target)
        return f"schema marts on PostgreSQL {self.target}"


class SparkEngine(Engine):
    """dbt builds on Spark (orchestration/spark/refresh.py draws the crossings): in this process's
    SparkSession (`spark`) or through a Spark Thrift Server (`spark_thrift`)."""

    def __init__(
        self,
        directory: Path,
        thrift: spark.ThriftServer | None = None,
        *,
        master: str = spark.DEFAULT_MASTER,
        driver_memory: str = spark.DEFAULT_DRIVER_MEMORY,
    ):
        self.dbt_target = "spark" if thrift is None else "spark_thrift"
        self.thrift = thrift
        self.warehouse = spark.SparkWarehouse(directory, thrift, master=master, driver_memory=driver_memory)

    def dbt_vars(self) -> dict[str, str]:
        return self.thrift.dbt_vars() if self.thrift else {}

    @contextmanager
    def running(self) -> Iterator[None]:
        try:
            self.warehouse.open()
            yield
        finally:
            self.warehouse.close()

    def after_ingest(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.warehouse.push(duck, RAW_TABLES)

    def before_quarantine(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.warehouse.pull(duck, QUALITY_INPUTS)

    def after_quarantine(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.warehouse.push(duck, (FINDINGS_TABLE, HISTORY_TABLE))

    def before_gate(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.warehouse.pull(duck, marts_from_engine(GATE_INPUTS))

    def before_publish(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.warehouse.pull(duck, marts_from_engine())


def engine_for(
    warehouse_url: str,
    engine: str = "",
    *,
    warehouse_dir: Path = Path("warehouse"),
    spark_master: str = spark.DEFAULT_MASTER,
    spark_driver_memory: str = spark.DEFAULT_DRIVER_MEMORY,
    thrift_server: spark.ThriftServer = spark.DEFAULT_THRIFT_SERVER,
) -> Engine:
    """The engine the settings name (`engine`, else PostgreSQL for a `postgresql://` URL, else
    DuckDB alone); Spark works under `warehouse_dir`/spark, its session on `spark_master` with
    `spark_driver_memory`, or through `thrift_server` for `spark_thrift`."""
    url, name = warehouse_url.strip(), (engine.strip().lower() or ("postgres" if warehouse_url.strip() else "duckdb"))
    if name not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE}: expected one of {', '.join(ENGINES)}, got {engine!r}")
    if name == "postgres":
        if not url:
            raise ValueError(f"{ENGINE_VARIABLE}=postgres needs {URL_VARIABLE}=postgresql://user:password@host:port/db")
        return PostgresEngine(PostgresTarget.from_url(url))
    if url:
        raise ValueError(
            f"{URL_VARIABLE} names a PostgreSQL warehouse but {ENGINE_VARIABLE}={name}: "
            f"unset one of them (publishing to PostgreSQL needs dbt on PostgreSQL)"
        )
    if name == "duckdb":
        return DuckDBEngine()
    return SparkEngine(
        warehouse_dir / "spark",
        thrift_server if name == "spark_thrift" else None,
        master=spark_master,
        driver_memory=spark_driver_memory,
    )
