"""Dagster resources, configured from environment variables."""

from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

import duckdb
from dagster import ConfigurableResource, InitResourceContext

from orchestration.operations.lock import DEFAULT_TIMEOUT_SECONDS, warehouse_lock
from orchestration.postgres.lock import postgres_writer_lock
from orchestration.postgres.target import PostgresTarget
from orchestration.settings import WarehousePaths


class WarehouseResource(ConfigurableResource):
    """The raw dir and the warehouse dir; holds the warehouse lock for the whole run (and, with
    PostgreSQL, the database's writer lock, so two hosts never refresh one database at once)."""

    raw_dir: str
    warehouse_dir: str
    lock_timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls) -> "WarehouseResource":
        paths = WarehousePaths.from_env()
        return cls(
            raw_dir=str(paths.raw_dir),
            warehouse_dir=str(paths.warehouse_dir),
            lock_timeout_seconds=float(
                os.environ.get("P06_LOCK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
            ),
        )

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(Path(self.raw_dir), Path(self.warehouse_dir))

    @property
    def postgres(self) -> PostgresTarget | None:
        """The PostgreSQL warehouse when P06_WAREHOUSE_URL is set (read from the environment,
        never from run config: the URL holds a password)."""
        return PostgresTarget.from_env()

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator["WarehouseResource"]:
        target = self.postgres
        with warehouse_lock(self.paths.lock_file, self.lock_timeout_seconds):
            with postgres_writer_lock(target, self.lock_timeout_seconds) if target else nullcontext():
                yield self

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the work database, always closed so dbt can take the file next."""
        self.paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.paths.work_db), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
