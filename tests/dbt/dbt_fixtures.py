"""A work database with raw submissions and quality findings, and real dbt runs against it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from orchestration.ingest.parsing.periods import parse_period
from orchestration.ingest.schema import ensure_raw_schema, store_rejections
from orchestration.ingest.store import append_values
from orchestration.quality.history import record_history
from orchestration.quality.schema import ensure_findings_table
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.runner import failure_summary

OLD_UNITS = date(2008, 8, 1)  # valid_from of the 63 units before the 2025 merger
NEW_UNITS = date(2025, 7, 1)  # valid_from of the 34 units since


@dataclass(frozen=True)
class Value:
    """One accepted indicator value of one version sent."""

    province_code: str
    province_valid_from: date
    period: str
    indicator_code: str
    value: float
    submitted_at: datetime
    load_id: int = 1
    source_file: str = "submission.csv"
    source_row: int = 2
    note: str | None = None


@dataclass(frozen=True)
class Task:
    province_code: str
    province_valid_from: date
    period: str
    task_code: str
    deadline: date | None
    status: str
    completed_on: date | None
    submitted_at: datetime
    load_id: int = 1


class WorkDb:
    """The work database as ingestion and the quality step leave it, filled with plain SQL."""

    def __init__(self, path: Path):
        self.path = path
        with self.connect() as con:
            ensure_raw_schema(con)
            ensure_findings_table(con)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path))

    def add_values(self, *values: Value) -> None:
        rows = []
        for v in values:
            period = parse_period(v.period)
            ingested_at = datetime(2026, 1, 1, v.load_id)
            rows.append(
                (
                    f"hash-{v.source_file}",
                    v.source_file,
                    None,
                    v.source_row,
                    v.province_code,
                    v.province_valid_from,
                    None,
                    period.code,
                    period.grain,
                    period.start,
                    period.end,
                    v.indicator_code,
                    v.value,
                    v.submitted_at,
                    ingested_at,
                    v.load_id,
                    v.note,
                )
            )
        with self.connect() as con:
            con.execute("create temp table new_values as select * from raw.indicator_values limit 0")
            con.executemany("insert into new_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            append_values(con, con.execute("select * from new_values").arrow().read_all())

    def add_tasks(self, *tasks: Task) -> None:
        rows = []
        for row_number, t in enumerate(tasks, start=2):
            period = parse_period(t.period)
            rows.append(
                (
                    "hash-tasks.csv",
                    "tasks.csv",
                    None,
                    row_number,
                    t.province_code,
                    t.province_valid_from,
                    period.code,
                    period.grain,
                    period.start,
                    period.end,
                    t.task_code,
                    "task",
                    t.deadline,
                    t.status,
                    t.completed_on,
                    t.submitted_at,
                    datetime(2026, 1, 1, t.load_id),
                    t.load_id,
                )
            )
        with self.connect() as con:
            con.executemany(
                "insert into raw.task_rows values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def add_rejection(self, province_code: str, period: str, source_row: int, rule: str, load_id: int = 1) -> None:
        with self.connect() as con:
            store_rejections(
                con,
                "select 'hash-rejected.csv' as file_hash, 'rejected.csv' as source_file, ? as source_row, ? as rule,"
                " 'error' as severity, ? as reason, ? as province_code, ? as period, ? as ingested_at, ? as load_id",
                [
                    source_row,
                    rule,
                    f" — {rule}: expected a value p06 accepts",
                    province_code,
                    period,
                    datetime(2026, 1, 1, load_id),
                    load_id,
                ],
            )

    def replace_findings(self, *quarantined: Value, rule: str = "vneid_activated_le_issued") -> None:
        """What the quality step writes: the given values quarantined under one rule."""
        with self.connect() as con:
            con.execute("delete from quality.findings")
            con.executemany(
                "insert into quality.findings values (?, 'error', ?, ?, ?, ?, ?, null, ?, ?, ?, true)",
                [
                    (
                        rule,
                        v.province_code,
                        v.province_valid_from,
                        v.period,
                        v.indicator_code,
                        v.source_file,
                        v.source_row,
                        v.value,
                        f"{v.indicator_code} breaks {rule}",
                    )
                    for v in quarantined
                ],
            )

    def record_history(self, run_id: str, refreshed_at: datetime) -> None:
        with self.connect() as con:
            record_history(con, run_id, refreshed_at)

    def rows(self, sql: str, *params) -> list[dict]:
        with self.connect() as con:
            cursor = con.execute(sql, list(params))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def dbt_build(work_db: Path, target_dir: Path, *args: str, run_date: str = "2025-11-30") -> None:
    """`dbt build` of the whole project against work_db; raises with dbt's failures."""
    result = dbt_invoke("build", work_db, target_dir, *args, run_date=run_date)
    if not result.success:
        raise AssertionError(f"dbt build failed: {failure_summary(result)}")


def dbt_invoke(command: str, work_db: Path, target_dir: Path, *args: str, run_date: str = "2025-11-30"):
    """One dbt command against work_db; dbt's result, whatever it is."""
    previous = os.environ.get("P06_WORK_DB")
    os.environ["P06_WORK_DB"] = str(work_db)
    try:
        return dbtRunner().invoke(
            [
                command,
                *args,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(target_dir),
                "--log-path",
                str(target_dir),
                "--vars",
                f"{{run_date: '{run_date}'}}",
                "--quiet",
            ]
        )
    finally:
        if previous is None:
            del os.environ["P06_WORK_DB"]
        else:
            os.environ["P06_WORK_DB"] = previous
