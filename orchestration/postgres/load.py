"""Copy tables between the DuckDB work database and PostgreSQL, through COPY of CSV buffers.

Ingestion and the quality step stay in DuckDB; `push_tables` brings what they wrote (`raw.*`,
`quality.findings`) to PostgreSQL for dbt, `pull_table` brings dbt models back (what the quality
step and the DuckDB publish read). Column types follow the DuckDB table, so the DDL has one source.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg2 import sql

# Raw tables only ever gain rows, each stamped with the refresh that ingested it: only loads
# PostgreSQL has not seen yet are copied. Tables without this column are replaced wholesale.
APPEND_KEY = "load_id"
# The same SQL in both dialects: what one load brought of each file.
LOAD_FINGERPRINT = (
    f"select {APPEND_KEY}, file_hash, count(*), max(ingested_at) from {{table}} group by {APPEND_KEY}, file_hash"
)
ROWS_PER_BUFFER = 200_000

# DuckDB type -> (PostgreSQL type as format_type() spells it, Arrow type when reading it back)
TYPES = {
    "VARCHAR": ("text", pa.string()),
    "BIGINT": ("bigint", pa.int64()),
    "INTEGER": ("integer", pa.int32()),
    "DOUBLE": ("double precision", pa.float64()),
    "BOOLEAN": ("boolean", pa.bool_()),
    "DATE": ("date", pa.date32()),
    "TIMESTAMP": ("timestamp without time zone", pa.timestamp("us")),
}
# dbt models also hold varchar columns (`cast(... as varchar)` in a model)
ARROW_TYPES = {pg_type: arrow_type for pg_type, arrow_type in TYPES.values()} | {"character varying": pa.string()}


@dataclass(frozen=True)
class TableCopy:
    table: str
    mode: str  # "append" (new loads only) or "replace"
    rows: int


def push_tables(duck: duckdb.DuckDBPyConnection, pg_conn, tables: Iterable[str]) -> list[TableCopy]:
    """Make each PostgreSQL table equal to the DuckDB table of the same name, in one transaction.

    Running it again without new data copies nothing (append) or the same rows (replace).
    """
    with pg_conn, pg_conn.cursor() as cur:
        return [_push_table(duck, cur, table) for table in tables]


def pull_table(pg_conn, duck: duckdb.DuckDBPyConnection, source: str, into: str | None = None) -> int:
    """Replace the DuckDB table `into` (default: the same name) with the PostgreSQL table `source`."""
    schema, name = _split(source)
    into_schema, into_name = _split(into or source)
    with pg_conn, pg_conn.cursor() as cur:
        columns = _postgres_columns(cur, schema, name)
        if not columns:
            raise LookupError(f"PostgreSQL has no table {source} to copy into DuckDB")
        buffer = io.BytesIO()
        cur.copy_expert(
            sql.SQL("copy (select * from {}) to stdout with (format csv, header true)")
            .format(sql.Identifier(schema, name))
            .as_string(cur),
            buffer,
        )
    buffer.seek(0)
    arrow_table = pa_csv.read_csv(
        buffer,
        convert_options=pa_csv.ConvertOptions(
            column_types={column: _arrow_type(source, column, pg_type) for column, pg_type in columns},
            strings_can_be_null=True,  # COPY writes NULL unquoted, an empty string as ""
            quoted_strings_can_be_null=False,
            true_values=["t"],  # how COPY writes booleans
            false_values=["f"],
        ),
    )
    duck.execute(f'create schema if not exists "{into_schema}"')
    duck.register("pulled_rows", arrow_table)
    try:
        duck.execute(f'create or replace table "{into_schema}"."{into_name}" as select * from pulled_rows')
    finally:
        duck.unregister("pulled_rows")
    return arrow_table.num_rows


def _push_table(duck: duckdb.DuckDBPyConnection, cur, table: str) -> TableCopy:
    schema, name = _split(table)
    columns = _duckdb_columns(duck, schema, name)
    _ensure_postgres_table(cur, schema, name, columns)
    column_names = [column for column, _ in columns]
    loaded_until = _last_load_in_step(duck, cur, table) if APPEND_KEY in column_names else None
    if loaded_until is None:
        cur.execute(sql.SQL("truncate {}").format(sql.Identifier(schema, name)))
        mode, where, params = "replace", "", []
    else:
        mode, where, params = "append", f' where "{APPEND_KEY}" > ?', [loaded_until]
    select_list = ", ".join(f'"{column}"' for column in column_names)
    reader = duck.execute(f'select {select_list} from "{schema}"."{name}"{where}', params).to_arrow_reader(
        ROWS_PER_BUFFER
    )
    copy = (
        sql.SQL("copy {} ({}) from stdin with (format csv)")
        .format(sql.Identifier(schema, name), sql.SQL(", ").join(map(sql.Identifier, column_names)))
        .as_string(cur)
    )
    rows = 0
    for batch in reader:
        buffer = io.BytesIO()
        pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False))
        buffer.seek(0)
        cur.copy_expert(copy, buffer)
        rows += batch.num_rows
    return TableCopy(table, mode, rows)


def _last_load_in_step(duck: duckdb.DuckDBPyConnection, cur, table: str) -> int | None:
    """The newest load PostgreSQL holds, if it holds exactly DuckDB's loads up to it; else None.

    None (copy everything again) when the work database was rebuilt or PostgreSQL diverged:
    then some file's row count or ingestion time differs between the two.
    """
    fingerprint = LOAD_FINGERPRINT.format(table=table)
    cur.execute(fingerprint)
    in_postgres = set(cur.fetchall())
    if not in_postgres:
        return None
    last_load = max(load_id for load_id, *_ in in_postgres)
    in_duckdb = {row for row in duck.execute(fingerprint).fetchall() if row[0] <= last_load}
    return last_load if in_duckdb == in_postgres else None


def _ensure_postgres_table(cur, schema: str, name: str, columns: list[tuple[str, str]]) -> None:
    """Create the table; recreate it when its columns changed (dbt rebuilds the views on it)."""
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    existing = _postgres_columns(cur, schema, name)
    if existing == columns:
        return
    if existing:
        cur.execute(sql.SQL("drop table {} cascade").format(sql.Identifier(schema, name)))
    cur.execute(
        sql.SQL("create table {} ({})").format(
            sql.Identifier(schema, name),
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(pg_type)) for column, pg_type in columns
            ),
        )
    )


def _duckdb_columns(duck: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple[str, str]]:
    rows = duck.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    if not rows:
        raise LookupError(f"the DuckDB work database has no table {schema}.{name} to copy to PostgreSQL")
    return [(column, _postgres_type(f"{schema}.{name}", column, duck_type)) for column, duck_type in rows]


def _postgres_columns(cur, schema: str, name: str) -> list[tuple[str, str]]:
    cur.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) "
        "from pg_attribute a join pg_class c on c.oid = a.attrelid "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum",
        (schema, name),
    )
    return cur.fetchall()


def _postgres_type(table: str, column: str, duck_type: str) -> str:
    if duck_type not in TYPES:
        raise TypeError(f"{table}.{column}: no PostgreSQL type for DuckDB type {duck_type} (see TYPES)")
    return TYPES[duck_type][0]


def _arrow_type(table: str, column: str, pg_type: str) -> pa.DataType:
    if pg_type not in ARROW_TYPES:
        raise TypeError(f"{table}.{column}: no Arrow type for PostgreSQL type {pg_type} (see TYPES)")
    return ARROW_TYPES[pg_type]


def _split(table: str) -> tuple[str, str]:
    schema, _, name = table.partition(".")
    if not name:
        raise ValueError(f"expected schema.table, got {table!r}")
    return schema, name
