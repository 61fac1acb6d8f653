"""The same dbt project on DuckDB and on PostgreSQL, from the same raw files, gives the same marts.

The sample submissions under raw/ are ingested once into a DuckDB work database; the quality step
quarantines on DuckDB; DuckDB and PostgreSQL (raw tables and findings copied over) each build the
marts with dbt, and every CONTRACT §5 table is compared row for row where dbt built it.
(Publishing copies those tables unchanged: tests/postgres/test_pg_publish.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.pipeline import ingest_new_files
from orchestration.postgres.load import push_tables
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.quality.evaluate import quarantine
from orchestration.quality.history import record_history
from orchestration.quality.schema import ensure_findings_table
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.warehouse.layout import FINDINGS_TABLE, HISTORY_TABLE, RAW_TABLES

RAW_DIR = REPO_ROOT / "raw"
RUN_DATE = date.today()  # one calendar cut-off for both engines, whatever their clocks say
MODELS_AND_SEEDS = ["--resource-type", "seed", "--resource-type", "model"]
DECIMALS = 6
DBT = str(Path(sys.executable).parent / "dbt")  # beside this interpreter, also when .venv is not activated


class Warehouse:
    """One dbt target: how to run dbt on it and where its artifacts go."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path):
        inherited = {key: value for key, value in os.environ.items() if not key.startswith("P06_")}
        self.name, self.env = name, {**inherited, **env}
        self.target_path, self.log_path = workdir / f"target-{name}", workdir / f"logs-{name}"

    def dbt(self, *args: str, failures_allowed: bool = False) -> dict[str, str]:
        """Run dbt; returns the status of every node it ran."""
        run_results = self.target_path / "run_results.json"
        run_results.unlink(missing_ok=True)
        done = subprocess.run(
            [
                DBT,
                *args,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(self.target_path),
                "--log-path",
                str(self.log_path),
                "--vars",
                json.dumps({"run_date": RUN_DATE.isoformat()}),
            ],
            cwd=DBT_PROJECT_DIR,
            env=self.env,
            capture_output=True,
            text=True,
        )
        # dbt exits 1 when a node failed, 2 when it could not run at all
        if done.returncode > (1 if failures_allowed else 0):
            pytest.fail(f"dbt {' '.join(args)} on {self.name} exited {done.returncode}:\n{done.stdout[-4000:]}")
        results = json.loads(run_results.read_text())["results"]
        return {result["unique_id"]: result["status"] for result in results}

    def relation(self, model: str) -> str:
        """schema.table where dbt built `model` on this target (from the run's own manifest)."""
        node = json.loads((self.target_path / "manifest.json").read_text())["nodes"][f"model.p06.{model}"]
        return f"{node['schema']}.{node['alias']}"


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory, new_database):
    workdir = tmp_path_factory.mktemp("marts_equal")
    work_db = workdir / "work.duckdb"
    on_duckdb = Warehouse("duckdb", {"P06_DBT_TARGET": "duckdb", "P06_WORK_DB": str(work_db)}, workdir)

    with duckdb.connect(str(work_db)) as con:
        ingest_new_files(RAW_DIR, con, now=datetime(2026, 1, 2, 8, 0))
        ensure_findings_table(con)
    on_duckdb.dbt("build", *MODELS_AND_SEEDS, "--select", "+int_indicator_values_resolved")
    with duckdb.connect(str(work_db)) as con:
        quarantine(
            con,
            report_dir=workdir / "quality",
            source=on_duckdb.relation("int_indicator_values_resolved"),
            as_of=RUN_DATE,
        )
        record_history(con, "run-1", refreshed_at=datetime(2026, 1, 2, 8, 5))
    on_duckdb.dbt("build", *MODELS_AND_SEEDS)

    with new_database() as target:
        profile_env = {f"P06_{key.upper()}": value for key, value in target.dbt_vars().items()}
        on_postgres = Warehouse("postgres", {"P06_DBT_TARGET": "postgres", **profile_env}, workdir)
        pg_conn = target.connect()
        with duckdb.connect(str(work_db), read_only=True) as con:
            push_tables(con, pg_conn, [*RAW_TABLES, FINDINGS_TABLE, HISTORY_TABLE])
        on_postgres.dbt("build", *MODELS_AND_SEEDS)
        yield {"duckdb": (on_duckdb, work_db), "postgres": (on_postgres, pg_conn)}
        pg_conn.close()


def _normalized(value):
    if isinstance(value, (float, Decimal)):
        return round(float(value), DECIMALS)
    return value


def _table(cursor, relation: str) -> tuple[list[str], list[tuple]]:
    cursor.execute(f"select * from {relation}")
    columns = [description[0] for description in cursor.description]
    rows = [tuple(_normalized(value) for value in row) for row in cursor.fetchall()]
    return columns, sorted(rows, key=lambda row: [(value is None, str(value)) for value in row])


@pytest.mark.parametrize("table", PUBLISHED_MARTS)
def test_mart_is_equal_row_for_row(warehouses, table):
    duck_warehouse, work_db = warehouses["duckdb"]
    pg_warehouse, pg_conn = warehouses["postgres"]
    with pg_conn.cursor() as pg_cursor:
        on_postgres = _table(pg_cursor, pg_warehouse.relation(table))
    with duckdb.connect(str(work_db), read_only=True) as duck_con:  # closed again: dbt needs the file
        on_duckdb = _table(duck_con.cursor(), duck_warehouse.relation(table))

    assert on_postgres[0] == on_duckdb[0]  # the same columns, in the same order
    assert on_duckdb[1], f"{table} is empty: the comparison would prove nothing"
    assert on_postgres[1] == on_duckdb[1]


def test_data_tests_agree(warehouses):
    """Every dbt test runs on both engines (no dialect error) and passes or fails on both alike."""
    statuses = {name: warehouse.dbt("test", failures_allowed=True) for name, (warehouse, _) in warehouses.items()}
    errors = {
        name: [node for node, status in by_node.items() if status == "error"] for name, by_node in statuses.items()
    }
    assert errors == {"duckdb": [], "postgres": []}
    assert statuses["postgres"] == statuses["duckdb"]
    # no refresh runs dbt's unit tests (transform/runner.py): here they must pass on both engines
    unit_tests = {node: status for node, status in statuses["postgres"].items() if node.startswith("unit_test.")}
    assert unit_tests and set(unit_tests.values()) == {"pass"}
