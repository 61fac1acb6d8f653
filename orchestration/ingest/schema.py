"""Tables that ingestion writes in the work database (schema ``raw``): one table of columns.

The DDL and the Arrow schemas the readers and the store build rows in (records.py, store.py)
derive from RAW_TABLES. The layout is documented in docs/architecture.md; dbt reads these
tables as sources. ``raw.ingest_rejections`` is a view: its rows are stored without their reason's
text (STORED_REJECTIONS), a million rows rejected for a few reasons storing each text once.
``raw.indicator_values`` is a view over Parquet files beside the database (VALUE_FILES).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from orchestration.warehouse.work_db import relation_type, transaction


class Column(NamedTuple):
    name: str
    type: str  # DuckDB type
    not_null: bool = False
    key: bool = False  # primary key
    added_later: bool = False  # warehouses created before it lack it: added when missing


# What the store adds to every row of a file: it is not in the rows a reader produces.
LINEAGE = ("file_hash", "source_file", "ingested_at", "load_id")

RAW_TABLES: dict[str, tuple[Column, ...]] = {
    "ingested_files": (
        Column("file_hash", "varchar", key=True),
        Column("source_file", "varchar", not_null=True),
        Column("file_format", "varchar"),
        Column("file_size", "bigint"),
        Column("status", "varchar", not_null=True),
        Column("rows_accepted", "bigint", not_null=True),
        Column("rows_rejected", "bigint", not_null=True),
        Column("load_id", "bigint", not_null=True),
        Column("ingested_at", "timestamp", not_null=True),
    ),
    "indicator_values": (
        Column("file_hash", "varchar", not_null=True),
        Column("source_file", "varchar", not_null=True),
        Column("sheet", "varchar"),
        Column("source_row", "bigint"),
        Column("province_code", "varchar", not_null=True),
        Column("province_valid_from", "date", not_null=True),
        Column("commune_code", "varchar"),
        Column("period", "varchar", not_null=True),
        Column("period_grain", "varchar", not_null=True),
        Column("period_start", "date", not_null=True),
        Column("period_end", "date", not_null=True),
        Column("indicator_code", "varchar", not_null=True),
        Column("value", "double", not_null=True),
        Column("submitted_at", "timestamp", not_null=True),
        Column("ingested_at", "timestamp", not_null=True),
        Column("load_id", "bigint", not_null=True),
        Column("note", "varchar", added_later=True),
    ),
    "task_rows": (
        Column("file_hash", "varchar", not_null=True),
        Column("source_file", "varchar", not_null=True),
        Column("sheet", "varchar"),
        Column("source_row", "bigint"),
        Column("province_code", "varchar", not_null=True),
        Column("province_valid_from", "date", not_null=True),
        Column("period", "varchar", not_null=True),
        Column("period_grain", "varchar", not_null=True),
        Column("period_start", "date", not_null=True),
        Column("period_end", "date", not_null=True),
        Column("task_code", "varchar", not_null=True),
        Column("task_name", "varchar"),
        Column("deadline", "date"),
        Column("status", "varchar", not_null=True),
        Column("completed_on", "date"),
        Column("submitted_at", "timestamp", not_null=True),
        Column("ingested_at", "timestamp", not_null=True),
        Column("load_id", "bigint", not_null=True),
    ),
    "ingest_rejections": (
        Column("file_hash", "varchar"),
        Column("source_file", "varchar", not_null=True),
        Column("sheet", "varchar"),
        Column("source_row", "bigint"),
        Column("column_name", "varchar"),
        Column("value_seen", "varchar"),
        Column("rule", "varchar", not_null=True),
        Column("severity", "varchar", not_null=True),
        Column("reason", "varchar", not_null=True),  # the sentence after the row: records.sentence
        Column("province_code", "varchar"),
        Column("province_valid_from", "date"),
        Column("period", "varchar"),
        Column("indicator_code", "varchar"),
        Column("submitted_at", "timestamp"),
        Column("ingested_at", "timestamp", not_null=True),
        Column("load_id", "bigint", not_null=True),
    ),
}


# raw.ingest_rejections as stored: each row names its reason (column, value seen, rule, severity,
# the sentence's end), whose text is stored once per distinct reason.
REASON_COLUMNS = ("column_name", "value_seen", "rule", "severity", "reason")
STORED_REJECTIONS: dict[str, tuple[Column, ...]] = {
    "rejection_reasons": (
        Column("reason_id", "bigint", not_null=True),
        *(column for column in RAW_TABLES["ingest_rejections"] if column.name in REASON_COLUMNS),
    ),
    "rejected_rows": (
        *(column for column in RAW_TABLES["ingest_rejections"] if column.name not in REASON_COLUMNS),
        Column("reason_id", "bigint", not_null=True),
    ),
}
_VIEW_COLUMNS = (
    f"{'reasons' if column.name in REASON_COLUMNS else 'stored'}.{column.name}"
    for column in RAW_TABLES["ingest_rejections"]
)
# Its rows come in no particular order (a join): readers order them.
REJECTIONS_VIEW = f"""
create view if not exists raw.ingest_rejections as
select {", ".join(_VIEW_COLUMNS)}
from raw.rejected_rows as stored
join raw.rejection_reasons as reasons using (reason_id);
"""

# The accepted values are Parquet files written by Arrow beside the work database (DuckDB's insert
# of them cost ~2.3 CPU s a million), each listed here in the transaction that stores the rest of
# its flush; raw.indicator_values is a view over the listed files. A file not listed (a flush that
# failed after writing it) is deleted at the next ingestion.
VALUE_FILES: tuple[Column, ...] = (
    Column("value_file", "varchar", key=True),  # its name in values_dir
    Column("load_id", "bigint", not_null=True),
    Column("rows", "bigint", not_null=True),
)

# Rows accepted per ingested file and unit (province code and era), counted as the store writes
# them (one row per file, unit and raw table): the feedback pages read them without counting
# every raw row on every refresh.
FILE_UNITS: tuple[Column, ...] = (
    Column("file_hash", "varchar", not_null=True),
    Column("province_code", "varchar", not_null=True),
    Column("province_valid_from", "date", not_null=True),
    Column("rows_accepted", "bigint", not_null=True),
)

# The rejections each stored file brought, counted as the store writes them (one row per file,
# load and write): the quality report sums them instead of going over every stored rejection.
# `rejections`: distinct by the report's key (quality/rejections.py); `rows_rejected`: distinct
# (sheet, source_row).
REJECTION_COUNTS: tuple[Column, ...] = (
    Column("file_hash", "varchar"),
    Column("source_file", "varchar", not_null=True),
    Column("load_id", "bigint", not_null=True),
    Column("rows_stored", "bigint", not_null=True),
    Column("rejections", "bigint", not_null=True),
    Column("rows_rejected", "bigint", not_null=True),
)
# Counted once from the stored rows of a warehouse created before the table.
_FIRST_REJECTION_COUNTS = """
insert into raw.rejection_counts
with same_reasons as (
    select reason_id, min(reason_id) over (partition by column_name, value_seen, rule, reason) as first_id
    from raw.rejection_reasons
)
select file_hash, source_file, load_id, count(*),
       count(distinct (sheet, source_row, province_code, province_valid_from, period, first_id)),
       count(distinct (sheet, source_row)) filter (where source_row is not null)
from raw.rejected_rows join same_reasons using (reason_id)
group by file_hash, source_file, load_id
"""

# A cache in front of hashing (seen.py), not a record of what was ingested: not loaded anywhere.
FILE_SIGHTINGS: tuple[Column, ...] = (
    Column("source_file", "varchar", key=True),
    Column("file_size", "bigint", not_null=True),
    Column("mtime_ns", "bigint", not_null=True),
    Column("file_hash", "varchar", not_null=True),
    Column("ctime_ns", "bigint", added_later=True),
    Column("inode", "bigint", added_later=True),
)


def _column_ddl(column: Column) -> str:
    constraint = " primary key" if column.key else " not null" if column.not_null else ""
    return f"{column.name} {column.type}{constraint}"


def table_ddl(table: str, columns: tuple[Column, ...]) -> str:
    body = ",\n    ".join(_column_ddl(column) for column in columns if not column.added_later)
    later = "".join(
        f"\nalter table raw.{table} add column if not exists {_column_ddl(column)};"
        for column in columns
        if column.added_later
    )
    return f"create table if not exists raw.{table} (\n    {body}\n);{later}"


RAW_SCHEMA_DDL = "\n".join(
    [
        "create schema if not exists raw;",
        *(
            table_ddl(table, columns)
            for table, columns in RAW_TABLES.items()
            if table not in ("ingest_rejections", "indicator_values")
        ),
        table_ddl("value_files", VALUE_FILES),
        *(table_ddl(table, columns) for table, columns in STORED_REJECTIONS.items()),
        REJECTIONS_VIEW,
    ]
)


def values_dir(con) -> Path | None:
    """Where the value files of this work database are (values_beside); None in memory."""
    path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    return values_beside(Path(path)) if path else None


def values_beside(database: Path) -> Path:
    """The directory of a work database's value files: `work.values/` beside `work.duckdb`; whatever
    copies or moves a work database takes it along."""
    return database.with_suffix(".values")


def values_view_ddl(con) -> str:
    """raw.indicator_values over the listed value files (absolute paths: built again at each
    ingestion, so a moved warehouse reads its own); without files, no rows of the same columns."""
    columns = RAW_TABLES["indicator_values"]
    names = [row[0] for row in con.execute("select value_file from raw.value_files order by value_file").fetchall()]
    if not names:
        nulls = ", ".join(f"null::{column.type} as {column.name}" for column in columns)
        return f"create or replace view raw.indicator_values as select {nulls} where false"
    directory = values_dir(con)
    paths = ", ".join("'" + str(directory / name).replace("'", "''") + "'" for name in names)
    selected = ", ".join(column.name for column in columns)
    return f"create or replace view raw.indicator_values as select {selected} from read_parquet([{paths}])"


def _ensure_value_files(con) -> None:
    """A table raw.indicator_values (warehouses before issue 20, session 12) written as one value
    file; the view built again over the listed files."""
    if relation_type(con, "raw", "indicator_values") != "BASE TABLE":
        con.execute(values_view_ddl(con))
        return
    con.execute(table_ddl("indicator_values", RAW_TABLES["indicator_values"]))  # columns added later
    directory = values_dir(con)
    directory.mkdir(exist_ok=True)
    name = "converted.parquet"
    selected = ", ".join(column.name for column in RAW_TABLES["indicator_values"])
    con.execute(f"copy (select {selected} from raw.indicator_values) to '{directory / name}' (format parquet)")
    with transaction(con):
        rows, load_id = con.execute("select count(*), coalesce(max(load_id), 0) from raw.indicator_values").fetchone()
        con.execute("insert into raw.value_files values (?, ?, ?)", [name, load_id, rows])
        con.execute("drop table raw.indicator_values")
        con.execute(values_view_ddl(con))


def record_file_units(con, rows: str) -> None:
    """The rows accepted per file and unit of ``rows`` (a relation of raw values or tasks with
    their lineage) added to raw.file_units."""
    con.execute(
        "insert into raw.file_units select file_hash, province_code, province_valid_from, count(*)"
        f" from {rows} group by all"
    )


def _ensure_file_units(con) -> None:
    """raw.file_units, counted from the raw rows of a warehouse created before it."""
    if relation_type(con, "raw", "file_units"):
        return
    with transaction(con):
        con.execute(table_ddl("file_units", FILE_UNITS))
        record_file_units(con, "raw.indicator_values")
        record_file_units(con, "raw.task_rows")


def _ensure_rejection_counts(con) -> None:
    """raw.rejection_counts, counted from the stored rejections of a warehouse created before it."""
    if relation_type(con, "raw", "rejection_counts"):
        return
    with transaction(con):
        con.execute(table_ddl("rejection_counts", REJECTION_COUNTS))
        con.execute(_FIRST_REJECTION_COUNTS)


# Warehouses created before the view stored every rejection whole in table raw.ingest_rejections;
# the oldest stored the whole sentence as `detail`: this start (file, sheet, row; records.sentence)
# then the reason. The start as those warehouses wrote it.
_STORED_DETAIL_START = (
    "source_file || coalesce(', sheet ' || sheet, '') || coalesce(', row ' || cast(source_row as varchar), '')"
)
_STORED_WHOLE = """
select column_name from information_schema.columns
where table_catalog = current_database() and table_schema = 'raw' and table_name = 'ingest_rejections'
  and exists (
      select 1 from information_schema.tables
      where table_catalog = current_database() and table_schema = 'raw' and table_name = 'ingest_rejections'
        and table_type = 'BASE TABLE'
  )
"""


def row_columns(table: str, *, without: tuple[str, ...] = ()) -> list[Column]:
    """The columns of a raw table that a file's rows carry before the store adds their lineage."""
    return [column for column in RAW_TABLES[table] if column.name not in LINEAGE + without]


def ensure_raw_schema(con) -> None:
    """Create the raw tables if they do not exist yet, and bring older ones to today's layout
    (idempotent)."""
    stored_whole = {row[0] for row in con.execute(_STORED_WHOLE).fetchall()}
    if stored_whole:
        _store_each_reason_once(con, stored_whole)
    else:
        con.execute(RAW_SCHEMA_DDL)
    _ensure_value_files(con)
    _ensure_file_units(con)
    _ensure_rejection_counts(con)


def _store_each_reason_once(con, stored_whole: set[str]) -> None:
    """Table raw.ingest_rejections (rows stored whole) converted to STORED_REJECTIONS."""
    whole = "select * from raw.ingest_rejections_whole"
    if "detail" in stored_whole:
        reason = f"substr(detail, length({_STORED_DETAIL_START}) + 1) as reason"
        whole = f"select * exclude (detail), {reason} from raw.ingest_rejections_whole"
    with transaction(con):
        con.execute("alter table raw.ingest_rejections rename to ingest_rejections_whole")
        con.execute(RAW_SCHEMA_DDL)
        con.execute(table_ddl("rejection_counts", REJECTION_COUNTS))
        store_rejections(con, whole)
        con.execute("drop table raw.ingest_rejections_whole")


def store_rejections(con, whole: str, parameters: list | None = None) -> None:
    """Rejections given whole (a query of raw.ingest_rejections' columns; missing ones are null)
    stored as rejected rows, in their order, and their distinct reasons: as ingestion stores them."""
    from orchestration.ingest.store import insert_rejections  # it imports this module

    con.execute("create or replace temp table whole_rejections as select * from raw.ingest_rejections limit 0")
    try:
        con.execute(f"insert into whole_rejections by name {whole}", parameters)
        insert_rejections(con, con.execute("select * from whole_rejections order by rowid").arrow().read_all())
    finally:
        con.execute("drop table whole_rejections")
