"""Candidate values and submission statuses written into a real DuckDB the way dbt writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

from orchestration.ingest.parsing.periods import parse_period
from orchestration.reference import load_indicators

CANDIDATES = "intermediate.int_indicator_values_resolved"
STATUS = "marts.submission_status"

CANDIDATE_DDL = """
create table {table} (
    province_code varchar, province_valid_from date, period varchar, period_grain varchar,
    period_start date, period_end date, indicator_code varchar, unit varchar,
    time_aggregation varchar, additive boolean, value double, submitted_at timestamp,
    ingested_at timestamp, source_file varchar, sheet varchar, source_row bigint,
    file_hash varchar, load_id bigint, versions_sent bigint
)
"""

STATUS_DDL = """
create table {table} (
    province_code varchar, period varchar, submitted boolean, first_submitted_at timestamp,
    last_submitted_at timestamp, on_time boolean, rows_accepted bigint, rows_rejected bigint,
    deadline date
)
"""


@dataclass(frozen=True)
class Value:
    """One candidate value; where it came from defaults to a CSV named after the province."""

    province_code: str
    period: str
    indicator_code: str
    value: float
    source_row: int
    source_file: str | None = None

    def as_row(self) -> tuple:
        period = parse_period(self.period)
        indicator = load_indicators()[self.indicator_code]
        valid_from = date(2025, 7, 1) if period.end >= date(2025, 7, 1) else date(2008, 8, 1)
        source_file = self.source_file or f"{self.province_code}_{self.period}.csv"
        submitted = datetime(period.end.year, period.end.month, period.end.day, 9)
        return (
            self.province_code,
            valid_from,
            period.code,
            period.grain,
            period.start,
            period.end,
            self.indicator_code,
            indicator.unit,
            indicator.time_aggregation,
            indicator.additive,
            self.value,
            submitted,
            submitted,
            source_file,
            None,
            self.source_row,
            f"hash-{source_file}",
            1,
            1,
        )


@dataclass(frozen=True)
class Status:
    province_code: str
    period: str
    first_submitted_at: datetime | None

    def as_row(self) -> tuple:
        submitted = self.first_submitted_at is not None
        deadline = parse_period(self.period).end + timedelta(days=15)  # as dbt's submission_status sets it
        return (
            self.province_code,
            self.period,
            submitted,
            self.first_submitted_at,
            self.first_submitted_at,
            None,
            1 if submitted else 0,
            0,
            deadline,
        )


def create_values(con: duckdb.DuckDBPyConnection, table: str, values: list[Value]) -> None:
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(CANDIDATE_DDL.format(table=table))
    if values:
        con.executemany(f"insert into {table} values ({', '.join('?' * 19)})", [v.as_row() for v in values])


def create_status(con: duckdb.DuckDBPyConnection, statuses: list[Status], table: str = STATUS) -> None:
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(STATUS_DDL.format(table=table))
    if statuses:
        con.executemany(f"insert into {table} values ({', '.join('?' * 9)})", [s.as_row() for s in statuses])
