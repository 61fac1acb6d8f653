"""The same dbt project on DuckDB and on Spark, from the same raw files.

The sample submissions under raw/ are ingested once into a DuckDB work database and the quality
step quarantines there, as in a refresh; DuckDB builds every model. Each Spark test then gets
the raw tables and findings as Parquet (orchestration/spark/tables.py), builds every model on
Spark and brings the marts back into a DuckDB file of its own, to be compared row for row.
Needs `.[spark]` and Java (`make test` installs both; a missing one fails, never skips).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.pipeline import ingest_new_files
from orchestration.postgres.load import FINDINGS_TABLE, HISTORY_TABLE, RAW_TABLES
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.quality.evaluate import quarantine
from orchestration.quality.history import record_history
from orchestration.quality.schema import ensure_findings_table
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

RUN_DATE = date.today()  # one calendar cut-off for both engines, whatever their clocks say
MODELS_AND_SEEDS = ["--resource-type", "seed", "--resource-type", "model"]
DECIMALS = 6
DBT = str(Path(sys.executable).parent / "dbt")
SPARK_TABLES = (*RAW_TABLES, FINDINGS_TABLE, HISTORY_TABLE)


def dbt_args(*args: str, target: str, workdir: Path) -> list[str]:
    return [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target,
        "--target-path",
        str(workdir / f"target-{target}"),
        "--log-path",
        str(workdir / f"logs-{target}"),
        "--vars",
        json.dumps({"run_date": RUN_DATE.isoformat()}),
    ]


def statuses(workdir: Path, target: str) -> dict[str, str]:
    """The status of every node the last dbt run on `target` ran."""
    results = json.loads((workdir / f"target-{target}" / "run_results.json").read_text())["results"]
    return {result["unique_id"]: result["status"] for result in results}


def relation(workdir: Path, target: str, model: str) -> str:
    """schema.table where dbt built `model` on `target` (from that run's own manifest)."""
    node = json.loads((workdir / f"target-{target}" / "manifest.json").read_text())["nodes"][f"model.p06.{model}"]
    return f"{node['schema']}.{node['alias']}"


@dataclass(frozen=True)
class Reference:
    """The work database after ingestion, quality and a DuckDB build of every model."""

    workdir: Path
    work_db: Path

    def mart(self, table: str) -> tuple[list[tuple[str, str]], list[tuple]]:
        with duckdb.connect(str(self.work_db), read_only=True) as con:
            return read_table(con, relation(self.workdir, "duckdb", table))


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    """(column, type) pairs and the rows sorted, floats rounded to DECIMALS (sums' last bits)."""
    columns = [(name, kind) for name, kind, *_ in con.execute(f"describe {table}").fetchall()]
    rows = [
        tuple(round(value, DECIMALS) if isinstance(value, float) else value for value in row)
        for row in con.execute(f"select * from {table}").fetchall()
    ]
    return columns, sorted(rows, key=lambda row: [(value is None, str(value)) for value in row])


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> Reference:
    workdir = tmp_path_factory.mktemp("spark_reference")
    work_db = workdir / "work.duckdb"
    env = {key: value for key, value in os.environ.items() if not key.startswith("P06_")}
    env["P06_WORK_DB"] = str(work_db)

    def dbt(*args: str) -> None:
        done = subprocess.run(
            [DBT, *dbt_args(*args, target="duckdb", workdir=workdir)],
            cwd=DBT_PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            pytest.fail(f"dbt {' '.join(args)} on DuckDB exited {done.returncode}:\n{done.stdout[-4000:]}")

    with duckdb.connect(str(work_db)) as con:
        ingest_new_files(REPO_ROOT / "raw", con, now=datetime(2026, 1, 2, 8, 0))
        ensure_findings_table(con)
    dbt("build", *MODELS_AND_SEEDS, "--select", "+int_indicator_values_resolved")
    with duckdb.connect(str(work_db)) as con:
        quarantine(
            con,
            report_dir=workdir / "quality",
            as_of=RUN_DATE,
            source=relation(workdir, "duckdb", "int_indicator_values_resolved"),
        )
        record_history(con, "spark-reference")
    started = time.monotonic()
    dbt("build", *MODELS_AND_SEEDS)
    print(f"dbt build on DuckDB: {time.monotonic() - started:.0f} s")
    return Reference(workdir, work_db)


def assert_marts_equal(reference: Reference, spark_marts: Path, target: str, workdir: Path) -> None:
    """Every CONTRACT §5 mart dbt built on Spark, brought back to `spark_marts`, equals DuckDB's."""
    with duckdb.connect(str(spark_marts), read_only=True) as con:
        for table in PUBLISHED_MARTS:
            on_spark = read_table(con, relation(workdir, target, table))
            on_duckdb = reference.mart(table)
            assert on_spark[0] == on_duckdb[0], f"{table}: columns or types differ"
            assert on_duckdb[1], f"{table} is empty: the comparison would prove nothing"
            assert on_spark[1] == on_duckdb[1], f"{table}: rows differ"
