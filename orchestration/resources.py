"""Dagster resources: the settings of a code location, and the warehouse a run writes."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar, InitResourceContext
from pydantic import PrivateAttr

from orchestration.operations.lock import DEFAULT_TIMEOUT_SECONDS, warehouse_lock
from orchestration.postgres.target import URL_VARIABLE
from orchestration.settings import WarehousePaths
from orchestration.spark.refresh import DEFAULT_DRIVER_MEMORY, DEFAULT_MASTER, ThriftServer
from orchestration.warehouse.engines import ENGINE_VARIABLE, Engine, engine_for
from orchestration.warehouse.work_db import connect_work_db


class P06Settings(ConfigurableResource):
    """Where p06 reads and writes and which engine dbt builds on (CONTRACT §1): from the command
    line's flags for `p06 refresh`; for `dg dev`, each setting whose variable is set is that
    `EnvVar` (the UI lists them, a run reads them when it starts), the others keep the default
    here. Relative paths are taken from the working directory."""

    raw_dir: str = "raw"
    warehouse_dir: str = "warehouse"
    lock_timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    # An EnvVar, never a copy: the URL holds a password that run config must not show.
    warehouse_url: str = ""
    # duckdb | postgres | spark | spark_thrift; empty: postgres when warehouse_url is set, else duckdb
    warehouse_engine: str = ""
    # Spark (docs/scaling.md): the session's master and driver memory; the Thrift Server's address
    spark_master: str = DEFAULT_MASTER
    spark_driver_memory: str = DEFAULT_DRIVER_MEMORY
    spark_host: str = ThriftServer.host
    spark_port: int = ThriftServer.port
    spark_user: str = ThriftServer.user

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] = os.environ, *, raw_dir: str | None = None, warehouse_dir: str | None = None
    ) -> P06Settings:
        """The settings the environment names; flags given here override it."""
        named = {
            field: EnvVar.int(variable) if cls.model_fields[field].annotation is int else EnvVar(variable)
            for field, variable in ENV_VARIABLES.items()
            if env.get(variable, "").strip()
        }
        flags = {"raw_dir": raw_dir, "warehouse_dir": warehouse_dir}
        return cls(**(named | {field: str(Path(value).resolve()) for field, value in flags.items() if value}))

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(Path(self.raw_dir).resolve(), Path(self.warehouse_dir).resolve())


# Each setting's environment variable (README.md, Configuration).
ENV_VARIABLES = {
    "raw_dir": "P06_RAW_DIR",
    "warehouse_dir": "P06_WAREHOUSE_DIR",
    "lock_timeout_seconds": "P06_LOCK_TIMEOUT_SECONDS",
    "warehouse_url": URL_VARIABLE,
    "warehouse_engine": ENGINE_VARIABLE,
    "spark_master": "P06_SPARK_MASTER",
    "spark_driver_memory": "P06_SPARK_DRIVER_MEMORY",
    "spark_host": "P06_SPARK_HOST",
    "spark_port": "P06_SPARK_PORT",
    "spark_user": "P06_SPARK_USER",
}


class WarehouseResource(ConfigurableResource):
    """The warehouse of a run: holds the warehouse lock for the whole run (and the engine's
    writer lock, so two hosts never refresh one PostgreSQL database at once); its engine does
    what crosses over between the DuckDB work database and where dbt builds."""

    settings: P06Settings
    _engine: Engine = PrivateAttr()

    @property
    def paths(self) -> WarehousePaths:
        return self.settings.paths

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[WarehouseResource]:
        settings = self.settings
        self._engine = engine_for(
            settings.warehouse_url,
            settings.warehouse_engine,
            warehouse_dir=self.paths.warehouse_dir,
            spark_master=settings.spark_master,
            spark_driver_memory=settings.spark_driver_memory,
            thrift_server=ThriftServer(settings.spark_host, settings.spark_port, settings.spark_user),
        )
        timeout = self.settings.lock_timeout_seconds
        with warehouse_lock(self.paths.lock_file, timeout), self._engine.writer_lock(timeout), self._engine.running():
            yield self

    def dbt_vars(self) -> dict[str, str]:
        return dbt_vars_for(self.paths, self.engine)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the work database, always closed so dbt can take the file next."""
        self.paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
        con = connect_work_db(self.paths.work_db, read_only=read_only)
        try:
            yield con
        finally:
            con.close()


def dbt_vars_for(paths: WarehousePaths, engine: Engine) -> dict[str, str]:
    """What dbt_project/profiles.yml needs to reach this warehouse (`--vars`)."""
    return {"work_db": str(paths.work_db), **engine.dbt_vars()}
