"""Writes of the ingest step in schema ``raw``; one file = one transaction."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import duckdb
import pyarrow as pa

from orchestration.ingest.records import ParsedFile, Rejection

# size/mtime cache in front of hashing: a file seen unchanged under the same path is not re-read
SIGHTINGS_DDL = """
create table if not exists raw.file_sightings (
    source_file  varchar primary key,
    file_size    bigint not null,
    mtime_ns     bigint not null,
    file_hash    varchar not null
);
"""
_REJECTION_FIELDS = [
    "source_file", "sheet", "source_row", "column_name", "value_seen", "rule", "detail",
    "province_code", "province_valid_from", "period", "indicator_code", "submitted_at",
]
_BATCH_ROWS = 122_880  # DuckDB's row group size: batches are inserted in parallel
_LINEAGE = "?::varchar as file_hash, ?::varchar as source_file, ?::timestamp as ingested_at, ?::bigint as load_id"


def ensure_store(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SIGHTINGS_DDL)


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(load_id), 0) + 1 from raw.ingested_files").fetchone()[0]


def known_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select file_hash from raw.ingested_files").fetchall()}


def sightings(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, str]]:
    rows = con.execute("select source_file, file_size, mtime_ns, file_hash from raw.file_sightings")
    return {path: (size, mtime, digest) for path, size, mtime, digest in rows.fetchall()}


def record_sighting(con: duckdb.DuckDBPyConnection, source_file: str, size: int, mtime_ns: int,
                    file_hash: str) -> None:
    con.execute("insert or replace into raw.file_sightings values (?, ?, ?, ?)",
                [source_file, size, mtime_ns, file_hash])


def write_file(
    con: duckdb.DuckDBPyConnection, *, file_hash: str, source_file: str, size: int, mtime_ns: int,
    parsed: ParsedFile, load_id: int, ingested_at: datetime,
) -> None:
    """Values, tasks, rejections, the ingested_files row and the sighting, all or nothing."""
    lineage = [file_hash, source_file, ingested_at, load_id]
    con.begin()
    try:
        for table, rows in (("indicator_values", parsed.values), ("task_rows", parsed.tasks)):
            con.register("incoming_rows", pa.Table.from_batches(rows.to_batches(_BATCH_ROWS), rows.schema))
            con.execute(
                f"insert into raw.{table} by name select * replace "
                f"(coalesce(submitted_at, ?::timestamp) as submitted_at), {_LINEAGE} from incoming_rows",
                [ingested_at, *lineage],
            )
            con.unregister("incoming_rows")
        write_rejections(con, parsed.rejections, lineage)
        con.execute(
            "insert into raw.ingested_files values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_hash, source_file, parsed.file_format, size,
             "rejected" if parsed.file_rejected else "ingested",
             parsed.rows_accepted, parsed.rows_rejected, load_id, ingested_at],
        )
        record_sighting(con, source_file, size, mtime_ns, file_hash)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def write_rejections(con: duckdb.DuckDBPyConnection, rejections: list[Rejection], lineage: list) -> None:
    """``lineage``: file_hash (None when the file could not even be read), source_file,
    ingested_at, load_id."""
    con.register("incoming_rejections", _rejection_table(rejections))
    con.execute(
        "insert into raw.ingest_rejections by name select * exclude (source_file), "
        f"'error' as severity, {_LINEAGE} from incoming_rejections",
        lineage,
    )
    con.unregister("incoming_rejections")


def _rejection_table(rejections: list[Rejection]) -> pa.Table:
    rows = [{**{k: v for k, v in asdict(r).items() if k in _REJECTION_FIELDS}, "detail": r.detail}
            for r in rejections]
    schema = pa.schema([
        ("source_file", pa.string()), ("sheet", pa.string()), ("source_row", pa.int64()),
        ("column_name", pa.string()), ("value_seen", pa.string()), ("rule", pa.string()),
        ("detail", pa.string()), ("province_code", pa.string()), ("province_valid_from", pa.date32()),
        ("period", pa.string()), ("indicator_code", pa.string()), ("submitted_at", pa.timestamp("us")),
    ])
    return pa.Table.from_pylist(rows, schema=schema)
