"""`p06 refresh` of the sample submissions on DuckDB, the reference for the refreshes on Spark.

Each Spark test refreshes raw/ into a warehouse of its own with `P06_WAREHOUSE_ENGINE` naming a
Spark target; the CONTRACT §5 marts it publishes must equal the DuckDB refresh's row for row,
types included. Needs `.[spark]` and Java (`make test` installs both; a missing one fails, never
skips).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.marts import PUBLISHED_MARTS, PUBLISHED_SCHEMA
from orchestration.settings import REPO_ROOT, VIETNAM, WarehousePaths

P06 = str(Path(sys.executable).parent / "p06")
DECIMALS = 6
# p06 stamps times in Vietnam's local time, naive; none of the sample data's is this recent
SESSION_STARTED = datetime.now(VIETNAM).replace(tzinfo=None, second=0, microsecond=0) - timedelta(minutes=1)
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


class Refresh:
    """`p06 refresh` of raw/ into `warehouse_dir` with these extra environment variables, started
    at once: the DuckDB reference runs beside the first Spark refresh (2 cores, one of them
    mostly waiting on the other's JVM)."""

    def __init__(self, p06_env_for, warehouse_dir: Path, **settings: str):
        self.paths = WarehousePaths(raw_dir=REPO_ROOT / "raw", warehouse_dir=warehouse_dir)
        self.name = settings.get("P06_WAREHOUSE_ENGINE", "duckdb")
        self.started = time.monotonic()
        self.output: str | None = None
        self.process = subprocess.Popen(
            [P06, "refresh"],
            env={**p06_env_for(self.paths), **settings},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def published(self) -> WarehousePaths:
        """The warehouse once the refresh ended; fails the test unless it exited 0."""
        if self.output is None:
            self.output, _ = self.process.communicate(timeout=900)
            print(f"p06 refresh on {self.name}: {time.monotonic() - self.started:.0f} s")
        if self.process.returncode:
            pytest.fail(f"p06 refresh on {self.name} exited {self.process.returncode}:\n{self.output[-6000:]}")
        return self.paths


def _as_compared(column: str, value):
    """The value, except what each refresh stamps itself: its run id, and times from its own
    clock (ingestion time, standing in for a missing submission time; the refresh time), also
    inside a sentence. Floats rounded to DECIMALS (sums' last bits)."""
    if column == "run_id":
        return "<the run>"
    if isinstance(value, datetime) and value >= SESSION_STARTED:
        return "<during the refresh>"
    if isinstance(value, str):
        return STAMP.sub(
            lambda stamp: "<during the refresh>" if stamp[0] >= f"{SESSION_STARTED:%Y-%m-%d %H:%M}" else stamp[0], value
        )
    return round(value, DECIMALS) if isinstance(value, float) else value


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    """(column, type) pairs and the rows sorted, as compared (`_as_compared`)."""
    columns = [(name, kind) for name, kind, *_ in con.execute(f"describe {table}").fetchall()]
    rows = [
        tuple(_as_compared(name, value) for (name, _), value in zip(columns, row, strict=True))
        for row in con.execute(f"select * from {table}").fetchall()
    ]
    return columns, sorted(rows, key=lambda row: [(value is None, str(value)) for value in row])


def published_marts(paths: WarehousePaths) -> dict[str, tuple]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return {table: read_table(con, f"{PUBLISHED_SCHEMA}.{table}") for table in PUBLISHED_MARTS}


@pytest.fixture(scope="session")
def duckdb_refresh(p06_env_for, tmp_path_factory):
    refresh = Refresh(p06_env_for, tmp_path_factory.mktemp("duckdb") / "warehouse")
    yield refresh
    if refresh.process.poll() is None:  # a test failed before it waited
        refresh.process.kill()
        refresh.process.wait()


@pytest.fixture(scope="session")
def on_duckdb(duckdb_refresh) -> dict[str, tuple]:
    """Every §5 mart the DuckDB refresh published."""
    return published_marts(duckdb_refresh.published())


def assert_published_equal(on_spark: dict[str, tuple], on_duckdb: dict[str, tuple]) -> None:
    for table, (columns, rows) in on_duckdb.items():
        assert rows, f"{table} is empty: the comparison would prove nothing"
        assert on_spark[table][0] == columns, f"{table}: columns or types differ"
        assert on_spark[table][1] == rows, f"{table}: rows differ"
