"""Writes of the ingest step in schema ``raw``.

Files are written whole: every row, rejection, ``ingested_files`` row and sighting of a file are
in the same transaction, so a crash never leaves part of a file. Small files share a transaction
(one commit per file would cost more than parsing them). The accepted values are written as a
Parquet file before the transaction and count once the transaction lists it (schema.VALUE_FILES).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.ingest.readers.long_rows import numbered
from orchestration.ingest.records import TEXT, ParsedFile, arrow_schema, decoded, rejection_rows, sentence
from orchestration.ingest.schema import (
    FILE_SIGHTINGS,
    RAW_TABLES,
    REASON_COLUMNS,
    record_file_units,
    table_ddl,
    values_dir,
    values_view_ddl,
)
from orchestration.ingest.seen import Sighting
from orchestration.warehouse.work_db import transaction

SIGHTINGS_DDL = table_ddl("file_sightings", FILE_SIGHTINGS)
SIGHTINGS_SCHEMA = arrow_schema(list(FILE_SIGHTINGS))
# every value file has the same columns and types: its text dictionary-encoded, as readers give it
STORED_VALUE_SCHEMA = pa.schema(
    [f.with_type(TEXT) if f.type == pa.string() else f for f in arrow_schema(list(RAW_TABLES["indicator_values"]))]
)
_BATCH_ROWS = 122_880  # DuckDB's row group size: batches are inserted in parallel
SMALL_FILES = 64  # value files smaller than a row group, from which they are joined into one
# Value file columns nearly unique per row: Arrow would try a dictionary page for them and drop it
# (~0.15 CPU s a million rows); the other columns repeat and are stored as dictionaries.
_UNIQUE_PER_ROW = ("value", "source_row")


@dataclass(frozen=True)
class StoredFile:
    """A parsed file with what identifies it; file_hash None: the file could not even be read.

    ``repeat``: content already ingested (and rejected) under another name; only this name's
    rejections and sighting are written, the content is not ingested twice.
    """

    file_hash: str | None
    source_file: str
    sighting: Sighting | None
    parsed: ParsedFile
    ingested_at: datetime
    load_id: int
    repeat: bool = False


def ensure_store(con: duckdb.DuckDBPyConnection) -> None:
    """The sightings table; the small value files joined once they are many; no value file that
    is not listed (a failed flush's, or one joined)."""
    con.execute(SIGHTINGS_DDL)
    directory = values_dir(con)
    if directory is None or not directory.is_dir():
        return
    _join_small_files(con, directory)
    listed = {row[0] for row in con.execute("select value_file from raw.value_files").fetchall()}
    for path in directory.glob("*.parquet"):
        if path.name not in listed:
            path.unlink()


def _join_small_files(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """Value files smaller than a row group (a flush of a few files: one per sensor run) written
    again as one once there are SMALL_FILES of them: every read of raw.indicator_values opens
    each file."""
    small = con.execute(
        "select value_file from raw.value_files where rows < ? order by value_file", [_BATCH_ROWS]
    ).fetchall()
    if len(small) < SMALL_FILES:
        return
    names = [row[0] for row in small]
    joined = pa.concat_tables([pq.read_table(directory / name, schema=STORED_VALUE_SCHEMA) for name in names])
    name = _write_value_file(directory, joined)
    with transaction(con):
        con.execute("delete from raw.value_files where list_contains(?, value_file)", [names])
        _list_values(con, name, joined, count_units=False)


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(load_id), 0) + 1 from raw.ingested_files").fetchone()[0]


def rejected_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select file_hash from raw.ingested_files where status = 'rejected'").fetchall()
    return {row[0] for row in rows}


def reported_unread(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(source_file, detail) of the rejections of files that could not be read (no hash): a file
    still unreadable at the next refresh is not reported again."""
    rows = con.execute(
        "select source_file, sheet, source_row, reason from raw.ingest_rejections where file_hash is null"
    )
    return {(row[0], sentence(*row)) for row in rows.fetchall()}


def write_files(con: duckdb.DuckDBPyConnection, files: list[StoredFile]) -> None:
    """Everything of these files in one transaction; a file without hash gets only its rejections,
    a repeat its rejections and sighting."""
    if not files:
        return
    readable = [f for f in files if f.file_hash is not None and not f.repeat]
    values = _with_lineage_together([(f.parsed.values, f) for f in readable])
    values = _stored_values(values) if values is not None else None
    name = _write_value_file(_values_dir_of_file(con), values) if values is not None else None
    try:
        with transaction(con):
            if name is not None:
                _list_values(con, name, values)
            _insert_with_lineage(con, "task_rows", [(f.parsed.tasks, f) for f in readable])
            _insert_rejections(
                con,
                [(_rejections(f.parsed), f) for f in files if f.parsed.rejected_rows.num_rows or f.parsed.listed],
            )
            _insert(
                con,
                "ingested_files",
                [
                    pa.Table.from_pylist(
                        [
                            {
                                "file_hash": f.file_hash,
                                "source_file": f.source_file,
                                "file_format": f.parsed.file_format,
                                "file_size": f.sighting.size,
                                "status": "rejected" if f.parsed.file_rejected else "ingested",
                                "rows_accepted": f.parsed.rows_accepted,
                                "rows_rejected": f.parsed.rows_rejected,
                                "load_id": f.load_id,
                                "ingested_at": f.ingested_at,
                            }
                            for f in readable
                        ]
                    )
                ]
                if readable
                else [],
            )
            record_sightings(con, [f for f in files if f.sighting is not None and f.file_hash is not None])
    except BaseException:
        if name is not None:  # not listed: no reader sees it (ensure_store deletes it otherwise)
            (_values_dir_of_file(con) / name).unlink(missing_ok=True)
        raise


def _with_lineage_together(parts: list[tuple[pa.Table, StoredFile]]) -> pa.Table | None:
    """The files' rows with their lineage as one table (None: no row)."""
    parts = [(rows, stored) for rows, stored in parts if rows.num_rows]
    if not parts:
        return None
    return _concatenated([_with_lineage(run) for run in _small_ones_together(parts)])


def _values_dir_of_file(con: duckdb.DuckDBPyConnection) -> Path:
    """The values dir of a work database file: values are not stored in memory."""
    directory = values_dir(con)
    if directory is None:
        raise ValueError("raw values are stored beside a work database file, not in memory")
    return directory


def _write_value_file(directory: Path, rows: pa.Table) -> str:
    """Values with their lineage written as a new value file, outside any transaction: the file
    counts once listed (_list_values). Its name."""
    name = f"{pc.max(rows['load_id']).as_py():08d}-{uuid.uuid4().hex}.parquet"
    directory.mkdir(exist_ok=True)
    # row groups of DuckDB's size: a file's groups are read on every core
    repeated = [column for column in rows.column_names if column not in _UNIQUE_PER_ROW]
    pq.write_table(rows, directory / name, row_group_size=_BATCH_ROWS, use_dictionary=repeated)
    return name


def append_values(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    """Values with their lineage (raw.indicator_values' columns) stored as ingestion stores them."""
    rows = _stored_values(rows)
    name = _write_value_file(_values_dir_of_file(con), rows)
    with transaction(con):
        _list_values(con, name, rows)


def _stored_values(rows: pa.Table) -> pa.Table:
    """Rows in STORED_VALUE_SCHEMA: every value file has its columns and types."""
    for name in STORED_VALUE_SCHEMA.names:
        if name not in rows.column_names:
            rows = rows.append_column(name, pa.nulls(rows.num_rows, STORED_VALUE_SCHEMA.field(name).type))
    return rows.select(STORED_VALUE_SCHEMA.names).cast(STORED_VALUE_SCHEMA)


def _list_values(con: duckdb.DuckDBPyConnection, name: str, rows: pa.Table, count_units: bool = True) -> None:
    """A value file listed, its rows counted per file and unit, the view over it."""
    load_id = pc.max(rows["load_id"]).as_py()
    con.execute("insert into raw.value_files values (?, ?, ?)", [name, load_id, rows.num_rows])
    if count_units:
        _count_units(con, rows)
    con.execute(values_view_ddl(con))


def _count_units(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    """Rows with their lineage counted per file and unit in raw.file_units."""
    con.register("counted_rows", rows)
    try:
        record_file_units(con, "counted_rows")
    finally:
        con.unregister("counted_rows")


def record_sightings(con: duckdb.DuckDBPyConnection, files: list[StoredFile]) -> None:
    """One statement for all the files: one per file costs milliseconds each (12 s for 5,000)."""
    if not files:
        return
    con.register(
        "sighted_files",
        pa.table(
            {
                "source_file": [f.source_file for f in files],
                "file_size": [f.sighting.size for f in files],
                "mtime_ns": [f.sighting.mtime_ns for f in files],
                "file_hash": [f.file_hash for f in files],
                "ctime_ns": [f.sighting.ctime_ns for f in files],
                "inode": [f.sighting.inode for f in files],
            },
            schema=SIGHTINGS_SCHEMA,
        ),
    )
    try:
        con.execute(
            "insert or replace into raw.file_sightings by name"
            " select source_file, file_size, mtime_ns, file_hash, ctime_ns, inode from sighted_files"
        )
    finally:
        con.unregister("sighted_files")


def _insert_with_lineage(con: duckdb.DuckDBPyConnection, table: str, parts: list[tuple[pa.Table, StoredFile]]) -> None:
    """The files' rows with their file's lineage, and their count per file and unit."""
    rows = _with_lineage_together(parts)
    if rows is not None:
        _insert(con, table, [rows])
        _count_units(con, rows)


def _insert_rejections(con: duckdb.DuckDBPyConnection, parts: list[tuple[pa.Table, StoredFile]]) -> None:
    """The files' rejections with their file's lineage."""
    parts = [(rows, stored) for rows, stored in parts if rows.num_rows]
    if parts:
        insert_rejections(con, _concatenated([_with_lineage(run) for run in _small_ones_together(parts)]))


def insert_rejections(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    """Rejections given whole (raw.ingest_rejections' columns; without severity: errors) stored as
    schema.STORED_REJECTIONS lays them out: each row naming its reason, a reason's texts written
    once however many rows it has."""
    if not rows.num_rows:
        return
    texts = [name for name in REASON_COLUMNS if name in rows.column_names]
    reason_of_row, a_row_of = _distinct_reasons(rows, texts)
    first_id = con.execute("select coalesce(max(reason_id), 0) + 1 from raw.rejection_reasons").fetchone()[0]
    reasons = rows.select(texts).take(pa.array(a_row_of))
    ids = pa.array(np.arange(first_id, first_id + len(a_row_of)), pa.int64())
    errors = "" if "severity" in texts else "'error' as severity"  # every rejection ingestion writes is an error
    _insert(con, "rejection_reasons", [reasons.append_column("reason_id", ids)], errors)
    # the report tells rejections apart by their reason's texts, severity aside
    told_apart = reason_of_row if errors else _numbered_by(rows, [name for name in texts if name != "severity"])[0]
    _insert(con, "rejection_counts", [_counts_per_file(rows, told_apart)])
    rows = rows.drop_columns(texts).append_column("reason_id", pa.array(reason_of_row + first_id))
    _insert(con, "rejected_rows", [rows])


def _counts_per_file(rows: pa.Table, reason_of_row: np.ndarray) -> pa.Table:
    """raw.rejection_counts of these rejections: per file and load, the rows stored, the distinct
    rejections (the report's key: where, what was resolved, the reason's texts) and rows."""
    of_file, files = _numbered_by(rows, ["file_hash", "source_file", "load_id"])
    of_row, row_count = _numbered_by(rows, ["sheet", "source_row"], of_file, files)
    of_rejection, rejection_count = _numbered_by(
        rows, ["province_code", "province_valid_from", "period"], of_row, row_count
    )
    if reason_of_row.max() > 0:
        distinct_reasons = int(reason_of_row.max()) + 1
        of_rejection, rejection_count = _renumbered(
            of_rejection * distinct_reasons + reason_of_row, rejection_count * distinct_reasons
        )
    file_of_rejection = np.zeros(rejection_count, np.int64)
    file_of_rejection[of_rejection] = of_file
    rejected = rows["source_row"].is_valid().to_numpy(zero_copy_only=False)
    file_of_row = np.full(row_count, -1, np.int64)
    file_of_row[of_row[rejected]] = of_file[rejected]
    a_row_of = np.zeros(files, np.int64)
    a_row_of[of_file] = np.arange(rows.num_rows)
    return (
        rows.select(["file_hash", "source_file", "load_id"])
        .take(pa.array(a_row_of))
        .append_column("rows_stored", pa.array(np.bincount(of_file, minlength=files)))
        .append_column("rejections", pa.array(np.bincount(file_of_rejection, minlength=files)))
        .append_column("rows_rejected", pa.array(np.bincount(file_of_row[file_of_row >= 0], minlength=files)))
    )


def _numbered_by(
    rows: pa.Table, names: list[str], number: np.ndarray | None = None, count: int = 1
) -> tuple[np.ndarray, int]:
    """A number per distinct value of ``names`` (within ``number``'s), and their count."""
    number = np.zeros(rows.num_rows, np.int64) if number is None else number
    for name in names:
        codes, distinct = _codes(rows[name])
        if codes.min() != codes.max():  # a column of one value tells no rows apart
            number, count = _renumbered(number * distinct + codes, count * distinct)
    return number, count


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """A number per distinct value (null included) of each row: text by its dictionary, else sorted."""
    if not (pa.types.is_integer(column.type) or pa.types.is_date32(column.type)):
        return _text_codes(column)
    values = column.combine_chunks()
    values = values.cast(pa.int32()) if pa.types.is_date32(values.type) else values
    low, high = (pc.min(values).as_py() or 0), (pc.max(values).as_py() or 0)
    codes, distinct = _renumbered(values.fill_null(low).to_numpy().astype(np.int64) - low, high - low + 1)
    return np.where(values.is_valid().to_numpy(zero_copy_only=False), codes + 1, 0), distinct + 1


def _distinct_reasons(rows: pa.Table, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The number of each row's reason (its distinct texts), and a row of each reason."""
    number, count = _numbered_by(rows, texts)
    first = np.zeros(count, np.int64)
    first[number] = np.arange(rows.num_rows)  # any row of a reason has its texts
    return number, first


def _text_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """A number per distinct text (null included) of each row, from each chunk's dictionary."""
    numbers: dict[str | None, int] = {}
    codes = []
    for chunk in column.chunks:
        encoded = chunk if pa.types.is_dictionary(chunk.type) else pc.dictionary_encode(chunk)
        texts = [*encoded.dictionary.to_pylist(), None]
        of_text = np.array([numbers.setdefault(text, len(numbers)) for text in texts], np.int64)
        codes.append(of_text[encoded.indices.fill_null(len(texts) - 1).to_numpy()])
    return np.concatenate(codes), len(numbers)


def _renumbered(keys: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Keys below ``size`` numbered 0..distinct-1, and their distinct count: by counting when the
    range is small, else by sorting."""
    if size > 4 * len(keys) + 1024:
        distinct, number = np.unique(keys, return_inverse=True)
    else:
        distinct, number = numbered(keys, size)
    return number.astype(np.int64), len(distinct)


def _concatenated(parts: list[pa.Table]) -> pa.Table:
    if any(not part.schema.equals(parts[0].schema) for part in parts):  # a large file's text encoded
        parts = [decoded(part) for part in parts]
    return pa.concat_tables(parts)


def _insert(con: duckdb.DuckDBPyConnection, table: str, combined: list[pa.Table], extra: str = "") -> None:
    if not combined:
        return
    rows = _concatenated(combined)
    con.register("incoming_rows", pa.Table.from_batches(rows.to_batches(_BATCH_ROWS), rows.schema))
    try:
        columns = f"*, {extra}" if extra else "*"
        con.execute(f"insert into raw.{table} by name select {columns} from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _small_ones_together(parts: list[tuple[pa.Table, StoredFile]]) -> list[list[tuple[pa.Table, StoredFile]]]:
    """The parts in order, each run of small ones together: DuckDB pays per batch it scans, and a
    flush of 200 files of 22 rows inserts ten times faster as one batch than as 200."""
    runs, run = [], []
    for part in parts:
        if part[0].num_rows < _BATCH_ROWS:
            run.append(part)
            continue
        runs.extend([run, [part]] if run else [[part]])
        run = []
    return runs + [run] if run else runs


def _with_lineage(run: list[tuple[pa.Table, StoredFile]]) -> pa.Table:
    """The rows of a run of files as one table, with their file's columns: its repeated strings as
    dictionaries (no copies)."""
    rows = _as_one_batch([rows for rows, _ in run]) if len(run) > 1 else run[0][0]
    files = [stored for _, stored in run]
    of_row = pa.array(np.repeat(np.arange(len(run), dtype=np.int32), [part.num_rows for part, _ in run]))
    ingested_at = pa.array([f.ingested_at for f in files], pa.timestamp("us")).take(of_row)
    if "submitted_at" in rows.column_names:
        submitted = pc.coalesce(rows["submitted_at"].combine_chunks(), ingested_at)
        rows = rows.set_column(rows.schema.get_field_index("submitted_at"), "submitted_at", submitted)

    def per_file(texts: list[str | None]) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(of_row, pa.array(texts, pa.string()))

    return (
        rows.append_column("file_hash", per_file([f.file_hash for f in files]))
        .append_column("source_file", per_file([f.source_file for f in files]))
        .append_column("ingested_at", ingested_at)
        .append_column("load_id", pa.array([f.load_id for f in files], pa.int64()).take(of_row))
    )


def _as_one_batch(parts: list[pa.Table]) -> pa.Table:
    """The parts' text decoded, as one chunk (parts parsed in a worker arrive decoded already)."""
    if all(part.schema.equals(parts[0].schema) for part in parts):
        return decoded(pa.concat_tables(parts)).combine_chunks()
    return pa.concat_tables([decoded(part) for part in parts]).combine_chunks()


def _rejections(parsed: ParsedFile) -> pa.Table:
    """Every rejection of a file as stored rows (the file's own columns come from its lineage)."""
    parts = [parsed.rejected_rows, rejection_rows(parsed.listed)]
    if not parts[0].schema.equals(parts[1].schema):  # rows parsed in a worker arrive decoded
        parts = [decoded(part) for part in parts]
    rows = pa.concat_tables(parts)
    return rows.drop_columns(["source_file", "expected"])
