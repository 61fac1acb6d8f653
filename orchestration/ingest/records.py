"""What a reader produces from one file: accepted rows, rejections, and how they print."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


TEXT = pa.dictionary(pa.int32(), pa.string())
# a file's values share a few provinces, periods, codes, communes: their text is dictionary-encoded
VALUE_SCHEMA = pa.schema(
    [f.with_type(TEXT) if f.type == pa.string() else f for f in arrow_schema(row_columns("indicator_values"))]
)
TASK_SCHEMA = arrow_schema(row_columns("task_rows"))
# severity: every rejection the store writes is an error
REJECTION_SCHEMA = arrow_schema(row_columns("ingest_rejections", without=("severity",)))
# rejected rows built in bulk: the stored columns, with the file and what was expected (in the
# reason); their text repeats (one reason, many rows)
REJECTED_ROW_SCHEMA = pa.schema(
    [
        f.with_type(TEXT) if f.type == pa.string() else f
        for f in pa.schema([("source_file", pa.string()), ("expected", pa.string()), *REJECTION_SCHEMA])
    ]
)


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
        """The sentence: where, then why."""
        return sentence(self.source_file, self.sheet, self.source_row, what_was_wrong(self))


def sentence(source_file: str, sheet: str | None, source_row: int | None, reason: str) -> str:
    """A rejection's sentence from its stored parts (raw.ingest_rejections keeps `reason`, not the
    sentence): what `p06 validate`, the quality report and the store read. The dbt model
    stg_raw__ingest_rejections spells it in SQL for every engine (tests/end_to_end compares them)."""
    row = f", row {int(source_row)}" if source_row is not None else ""
    return where_in_file(source_file, sheet) + row + reason


def where_in_file(source_file: str, sheet: str | None) -> str:
    """The start of a rejection's sentence: the file, and the sheet if any."""
    return source_file if sheet is None else f"{source_file}, sheet {sheet}"


def what_was_wrong(rejection: Rejection) -> str:
    """The end of a rejection's sentence, after its row: column, value seen, rule, expected
    (stored as `reason`)."""
    column = f", column {rejection.column_name}" if rejection.column_name is not None else ""
    seen = f": value {rejection.value_seen!r}" if rejection.value_seen is not None else ""
    return f"{column}{seen} — {rejection.rule}: expected {rejection.expected}"


def storable(value: object) -> object:
    """Text quoted from a file, storable in every target: a lone surrogate (JSON "\\ud800": not
    UTF-8) or a NUL (PostgreSQL refuses it) is written as its escape, never failing the write."""
    if isinstance(value, str) and not value.isascii():
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value.replace("\x00", "\\x00") if isinstance(value, str) else value


def format_rejection(rejection: Rejection) -> str:
    """The line ``p06 validate`` prints; the same sentence as ``detail`` in marts.quality_issues."""
    return rejection.detail


def rejection_rows(rejections: list[Rejection]) -> pa.Table:
    """Rejections built one by one, as the rows of a bulk-built table (REJECTED_ROW_SCHEMA)."""
    names = set(REJECTED_ROW_SCHEMA.names)
    rows = [
        {**{k: storable(v) for k, v in asdict(r).items() if k in names}, "reason": storable(what_was_wrong(r))}
        for r in rejections
    ]
    return pa.Table.from_pylist(rows, schema=REJECTED_ROW_SCHEMA)


def decoded(rows: pa.Table) -> pa.Table:
    """The rows with their dictionary-encoded text decoded (a rejection's dictionary may hold a
    null, which Arrow cannot unify with another dictionary)."""
    plain = [f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in rows.schema]
    return rows.cast(pa.schema(plain))


# Arrow tables are immutable: the files without tasks, values or rejected rows share one empty
# table each (building one costs 0.1 to 0.45 ms, per file at 5,000 files)
NO_VALUES, NO_TASKS, NO_REJECTED_ROWS = (s.empty_table() for s in (VALUE_SCHEMA, TASK_SCHEMA, REJECTED_ROW_SCHEMA))


@dataclass
class ParsedFile:
    """``listed``: rejections built one by one (the file's, task rows, cells); ``rejected_rows``:
    those of the value rows, built in bulk (REJECTED_ROW_SCHEMA, one sheet), never sharing a row
    with ``listed``."""

    file_format: str | None  # csv_long | csv_tasks | xlsx | json; None when unreadable
    values: pa.Table = field(default_factory=lambda: NO_VALUES)
    tasks: pa.Table = field(default_factory=lambda: NO_TASKS)
    listed: list[Rejection] = field(default_factory=list)
    rejected_rows: pa.Table = field(default_factory=lambda: NO_REJECTED_ROWS)

    @property
    def rejections(self) -> list[Rejection]:
        """Every rejection as an object (``p06 validate`` prints them): the value rows' first."""
        names = {f.name for f in fields(Rejection)}
        built = [Rejection(**{k: v for k, v in row.items() if k in names}) for row in self.rejected_rows.to_pylist()]
        return built + self.listed

    @property
    def file_rejected(self) -> bool:
        return any(r.source_row is None for r in self.listed)

    @property
    def rows_accepted(self) -> int:
        return self.values.num_rows + self.tasks.num_rows

    @property
    def rows_rejected(self) -> int:
        listed = {(r.sheet, r.source_row) for r in self.listed if r.source_row is not None}
        return len(listed) + _distinct_count(self.rejected_rows["source_row"])


def _distinct_count(column: pa.ChunkedArray) -> int:
    """The distinct values of a column; the rows rejected in bulk come in row order: counted in one
    pass (hashing a million rows' numbers cost a second)."""
    if not len(column):  # most files: no Arrow call
        return 0
    values = column.to_numpy() if not column.null_count else None
    if values is None or not (values[1:] >= values[:-1]).all():
        return pc.count_distinct(column).as_py()
    return int(np.count_nonzero(np.diff(values))) + 1
