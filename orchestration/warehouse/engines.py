"""One class per warehouse engine dbt builds on, chosen once from the settings (`engine_for`).

Ingestion, the quality step and the DuckDB publish always use the DuckDB work database; an engine
says which dbt target builds the models and moves tables between the two at the points of the
refresh job named by its methods. Adding an engine = one more class here + one dbt target in
dbt_project/profiles.yml.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import duckdb

from orchestration.postgres import refresh as postgres
from orchestration.postgres.lock import postgres_writer_lock
from orchestration.postgres.target import PostgresTarget


class Engine:
    """What a refresh does for its engine at each crossing; by default nothing."""

    dbt_target: str

    def dbt_vars(self) -> dict[str, str]:
        """Values dbt_project/profiles.yml reads for this target (`--vars`), beside the work db."""
        return {}

    def writer_lock(self, timeout_seconds: float) -> AbstractContextManager:
        """Held for a whole run beside the warehouse dir's own lock."""
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


def engine_for(warehouse_url: str) -> Engine:
    """The engine the settings name: PostgreSQL for a `postgresql://` URL, else DuckDB alone."""
    url = warehouse_url.strip()
    return PostgresEngine(PostgresTarget.from_url(url)) if url else DuckDBEngine()
