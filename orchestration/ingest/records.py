"""What a reader produces from one file: accepted rows, rejections, and how they print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pyarrow as pa

from orchestration.ingest.schema import Column, row_columns

ARROW_TYPES = {
    "varchar": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}


def arrow_schema(columns: list[Column]) -> pa.Schema:
    """The Arrow schema of rows destined for these raw columns (schema.RAW_TABLES)."""
    return pa.schema([(column.name, ARROW_TYPES[column.type]) for column in columns])


VALUE_SCHEMA = arrow_schema(row_columns("indicator_values"))
TASK_SCHEMA = arrow_schema(row_columns("task_rows"))


@dataclass(frozen=True)
class Rejection:
    """One reason a file (source_row None) or a row was not accepted."""

    source_file: str
    rule: str
    expected: str
    sheet: str | None = None
    source_row: int | None = None
    column_name: str | None = None
    value_seen: str | None = None
    province_code: str | None = None
    province_valid_from: date | None = None
    period: str | None = None
    indicator_code: str | None = None
    submitted_at: datetime | None = None

    @property
    def detail(self) -> str:
        where = [self.source_file]
        if self.sheet is not None:
            where.append(f"sheet {self.sheet}")
        if self.source_row is not None:
            where.append(f"row {self.source_row}")
        if self.column_name is not None:
            where.append(f"column {self.column_name}")
        seen = f": value {self.value_seen!r}" if self.value_seen is not None else ""
        return f"{', '.join(where)}{seen} — {self.rule}: expected {self.expected}"


def storable(value: object) -> object:
    """Text quoted from a file, storable in every target: a lone surrogate (JSON "\\ud800": not
    UTF-8) or a NUL (PostgreSQL refuses it) is written as its escape, never failing the write."""
    if isinstance(value, str) and not value.isascii():
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value.replace("\x00", "\\x00") if isinstance(value, str) else value


def format_rejection(rejection: Rejection) -> str:
    """The line ``p06 validate`` prints; the same sentence the refresh stores as ``detail``."""
    return rejection.detail


@dataclass
class ParsedFile:
    file_format: str | None  # csv_long | csv_tasks | xlsx | json; None when unreadable
    values: pa.Table = field(default_factory=VALUE_SCHEMA.empty_table)
    tasks: pa.Table = field(default_factory=TASK_SCHEMA.empty_table)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def file_rejected(self) -> bool:
        return any(r.source_row is None for r in self.rejections)

    @property
    def rows_accepted(self) -> int:
        return self.values.num_rows + self.tasks.num_rows

    @property
    def rows_rejected(self) -> int:
        return len({(r.sheet, r.source_row) for r in self.rejections if r.source_row is not None})
