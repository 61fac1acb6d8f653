"""What a refresh does in addition on Spark (`P06_WAREHOUSE_ENGINE=spark|spark_thrift`, the
steps of orchestration/warehouse/engines.py's SparkEngine), at the same points as on PostgreSQL
(orchestration/postgres/refresh.py): raw tables to Spark after ingestion, the quality inputs
back before the quarantine, the findings to Spark after it, the gate's marts and every §5 mart
back before the gate and the publish. Tables cross as Parquet (orchestration/spark/tables.py);
publishing stays the DuckDB publish. Nothing is published on Spark.

`SparkWarehouse` holds the run's way of running Spark SQL: the in-process SparkSession it starts
(method `session`: its catalog in memory, so every run builds every model again; they are all
tables on Spark) or a connection to the Spark Thrift Server (method `thrift`).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.spark.tables import pull_table, push_tables

DEFAULT_MASTER = "local[2]"
DEFAULT_DRIVER_MEMORY = "1g"


@dataclass(frozen=True)
class ThriftServer:
    """The Spark Thrift Server dbt's `spark_thrift` target and the crossings both use."""

    host: str = "127.0.0.1"
    port: int = 10000
    user: str = "p06"

    def dbt_vars(self) -> dict[str, str]:
        return {"spark_host": self.host, "spark_port": str(self.port), "spark_user": self.user}

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


DEFAULT_THRIFT_SERVER = ThriftServer()


class SparkWarehouse:
    """Spark SQL for one run, under `directory` (Parquet crossings; the session's own files).

    With `thrift` None: an in-process session, started by `open`. Otherwise a DB-API connection
    to the server, opened on first use. The directory must be readable by Spark's executors at
    the same path: local for one host, a shared mount on a cluster (docs/scaling.md).
    """

    def __init__(self, directory: Path, thrift: ThriftServer | None = None, *, master: str, driver_memory: str):
        self.directory = directory
        self.thrift = thrift
        self.master = master
        self.driver_memory = driver_memory
        self._session = None
        self._connection = None

    def open(self) -> None:
        """Start the in-process session before dbt runs: dbt's `spark` target takes the active one."""
        if self.thrift is None and self._session is None:
            from orchestration.spark.session import start_session

            session_dir = self.directory / "session"
            shutil.rmtree(session_dir, ignore_errors=True)  # the last run's tables, unknown to a new catalog
            self._session = start_session(session_dir, master=self.master, memory=self.driver_memory)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._session is not None:
            from orchestration.spark.session import stop_session

            stop_session(self._session)
            self._session = None

    def sql(self, statement: str) -> None:
        if self.thrift is None:
            self.open()
            self._session.sql(statement)
            return
        if self._connection is None:
            from pyhive import hive

            self._connection = hive.connect(host=self.thrift.host, port=self.thrift.port, username=self.thrift.user)
        cursor = self._connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()

    def push(self, duck: duckdb.DuckDBPyConnection, tables) -> None:
        push_tables(duck, self.sql, tables, self.directory / "pushed")

    def pull(self, duck: duckdb.DuckDBPyConnection, tables: Mapping[str, str]) -> dict[str, int]:
        """Each DuckDB table (key) replaced by the Spark table (value)."""
        return {
            into: pull_table(self.sql, duck, source, self.directory / "pulled", into) for into, source in tables.items()
        }
