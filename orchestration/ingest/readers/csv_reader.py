"""CSV files, long layout or task list (a file with a task-code column is a task list)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.ingest.parsing.encodings import sniff_delimiter, utf8_bytes
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.headers import canonical_field
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.readers.long_rows import LongRows, resolve_long_rows
from orchestration.ingest.readers.lookups import Lookups
from orchestration.ingest.readers.task_rows import resolve_task_rows
from orchestration.ingest.records import ParsedFile

LONG_REQUIRED = ("period", "indicator_code", "value")
TASK_REQUIRED = ("period", "task_code", "status")
EXPECTED_HEADER = (
    "a header row naming the province (ma_tinh or tinh), ky_bao_cao, ma_chi_tieu and gia_tri "
    "(or, for a task list, ma_nhiem_vu and trang_thai)"
)


def read_csv(data: bytes, source_file: str, limits: Limits) -> ParsedFile:
    payload = utf8_bytes(data)
    delimiter = sniff_delimiter(payload[:65536].decode(errors="ignore"))
    header, source_rows, columns = _read_table(payload, delimiter)
    if len(source_rows) > limits.max_rows:
        raise ParseError("file_too_large", f"at most {limits.max_rows:,} rows")
    fields = {}
    for position, label in enumerate(header):
        name = canonical_field(label)
        if name and name not in fields:
            fields[name] = position
    is_tasks = "task_code" in fields
    required = TASK_REQUIRED if is_tasks else LONG_REQUIRED
    if not all(f in fields for f in required) or not ({"province_code", "province_name"} & fields.keys()):
        raise ParseError("header_missing", EXPECTED_HEADER)
    labels = {name: header[position] for name, position in fields.items()}
    lookups = Lookups()
    if is_tasks:
        names = list(fields)
        cells = [columns[fields[name]].to_pylist() for name in names]
        records = [(row, dict(zip(names, values))) for row, *values in zip(source_rows.tolist(), *cells)]
        tasks, rejections = resolve_task_rows(source_file, None, records, {}, labels, lookups)
        return ParsedFile("csv_tasks", tasks=tasks, rejections=rejections)
    rows = LongRows(source_file, None, source_rows,
                    {name: columns[position] for name, position in fields.items()}, labels=labels)
    values, rejections = resolve_long_rows(rows, lookups)
    return ParsedFile("csv_long", values=values, rejections=rejections)


def _read_table(payload: bytes, delimiter: str) -> tuple[list[str], np.ndarray, list[pa.Array]]:
    """Header, the spreadsheet row number of each data record, and one text column per header.

    Arrow reads a well-formed file fast; a file with blank lines or ragged rows is read by the
    csv module instead, so that row numbers stay the ones a spreadsheet shows.
    """
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=_all_text(payload, delimiter),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, ValueError):
        return _read_table_slowly(payload.decode(), delimiter)
    header = [column[0].as_py() for column in table.columns]
    columns = [column.slice(1).combine_chunks() for column in table.columns]
    source_rows = np.arange(2, table.num_rows + 1, dtype=np.int64)
    blank = _all_blank(columns)
    if blank is not None:
        columns = [column.filter(pa.array(~blank)) for column in columns]
        source_rows = source_rows[~blank]
    return header, source_rows, columns


def _all_text(payload: bytes, delimiter: str) -> dict[str, pa.DataType]:
    header_line = payload[: payload.find(b"\n") + 1 or None].decode()
    width = len(next(csv.reader(io.StringIO(header_line), delimiter=delimiter), []))
    return {f"f{i}": pa.string() for i in range(width)}


def _read_table_slowly(text: str, delimiter: str) -> tuple[list[str], np.ndarray, list[pa.Array]]:
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise ParseError("file_unreadable", "a CSV file (RFC 4180 quoting)") from None
    if not records:
        raise ParseError("header_missing", EXPECTED_HEADER)
    header, width = records[0], len(records[0])
    numbered = [(number, (record + [""] * width)[:width])
                for number, record in enumerate(records[1:], start=2) if any(c.strip() for c in record)]
    source_rows = np.array([number for number, _ in numbered], dtype=np.int64)
    columns = [pa.array([record[i].strip() for _, record in numbered], pa.string()) for i in range(width)]
    return header, source_rows, columns


def _all_blank(columns: list[pa.Array]) -> np.ndarray | None:
    """Rows whose every cell is empty (spreadsheets write them as ",,,"), None when there are none."""
    blank = None
    for column in columns:
        empty = pc.equal(pc.utf8_length(column), 0)
        blank = empty if blank is None else pc.and_(blank, empty)
    return blank.to_numpy(zero_copy_only=False) if pc.any(blank).as_py() else None
