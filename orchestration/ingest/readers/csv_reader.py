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
from orchestration.ingest.parsing.headers import field_positions, unique_fields
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.readers.long_rows import LongRows, Unresolved
from orchestration.ingest.readers.lookups import Lookups
from orchestration.ingest.readers.task_rows import resolve_task_rows
from orchestration.ingest.records import ParsedFile

LONG_REQUIRED = ("period", "indicator_code", "value")
TASK_REQUIRED = ("period", "task_code", "status")
EXPECTED_HEADER = (
    "a header row naming the province (ma_tinh or tinh), ky_bao_cao, ma_chi_tieu and gia_tri "
    "(or, for a task list, ma_nhiem_vu and trang_thai)"
)

HEADER_MAX_BYTES = 2**16  # the header line must end within these


def read_csv(data: bytes, source_file: str, limits: Limits) -> ParsedFile | Unresolved:
    payload = utf8_bytes(data)
    header_line = _header_line(payload)
    delimiter = sniff_delimiter(header_line)
    try:
        header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
    except csv.Error:
        raise ParseError("header_missing", EXPECTED_HEADER) from None
    fields = field_positions(header)
    is_tasks = "task_code" in fields
    required = TASK_REQUIRED if is_tasks else LONG_REQUIRED
    if not all(f in fields for f in required) or not ({"province_code", "province_name"} & fields.keys()):
        raise ParseError("header_missing", EXPECTED_HEADER)
    unique_fields(header)
    source_rows, by_position = _read_columns(payload, delimiter, len(header), sorted(fields.values()))
    if len(source_rows) > limits.max_rows:
        raise ParseError("file_too_large", f"at most {limits.max_rows:,} rows")
    columns = {name: by_position[position] for name, position in fields.items()}
    labels = {name: header[position] for name, position in fields.items()}
    if is_tasks:
        cells = [column.to_pylist() for column in columns.values()]
        records = [
            (row, dict(zip(columns, values, strict=True)))
            for row, *values in zip(source_rows.tolist(), *cells, strict=True)
        ]
        tasks, rejections = resolve_task_rows(source_file, None, records, {}, labels, Lookups(limits.today))
        return ParsedFile("csv_tasks", tasks=tasks, listed=rejections)
    long_rows = LongRows(source_file, None, source_rows, columns, labels=labels)
    return Unresolved(long_rows, lambda values, rejected: ParsedFile("csv_long", values, rejected_rows=rejected))


def _header_line(payload: bytes) -> str:
    """The first line, ended by LF, CRLF or a lone CR ("CSV (Macintosh)" from Excel for Mac)."""
    head = payload[: HEADER_MAX_BYTES + 1]
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    if not ends and len(payload) > HEADER_MAX_BYTES:
        raise ParseError(
            "file_unreadable", f"a CSV file made of lines (no line break in its first {HEADER_MAX_BYTES:,} bytes)"
        )
    return head[: min(ends)].decode(errors="replace") if ends else head.decode(errors="replace")


def _read_columns(
    payload: bytes, delimiter: str, width: int, positions: list[int]
) -> tuple[np.ndarray, dict[int, pa.DictionaryArray]]:
    """The spreadsheet row number of each data record, and the text columns at ``positions``,
    dictionary-encoded: periods, provinces, codes and values repeat, each is parsed once.

    Arrow reads a well-formed file fast; a file with blank lines or ragged rows is read by the
    csv module instead, so that row numbers stay the ones a spreadsheet shows. Rows whose wanted
    cells are all empty (spreadsheets write them as ",,,") are dropped.
    """
    names = [f"f{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            # a line break inside a value needs quotes: without any, Arrow may split the file at any line
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=b'"' in payload
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={names[p]: pa.dictionary(pa.int32(), pa.string()) for p in positions},
                include_columns=[names[p] for p in positions],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        table = table.unify_dictionaries()
        columns = {p: table[names[p]].combine_chunks() for p in positions}
        source_rows = np.arange(2, table.num_rows + 2, dtype=np.int64)
    except (pa.ArrowInvalid, ValueError):
        source_rows, columns = _read_columns_slowly(payload.decode(), delimiter, width, positions)
    blank = _all_blank(list(columns.values()))
    if blank is None:
        return source_rows, columns
    keep = pa.array(~blank)
    return source_rows[~blank], {p: column.filter(keep) for p, column in columns.items()}


def _read_columns_slowly(
    text: str, delimiter: str, width: int, positions: list[int]
) -> tuple[np.ndarray, dict[int, pa.Array]]:
    try:
        records = list(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter))[1:]
    except csv.Error:
        raise ParseError("file_unreadable", "a CSV file (RFC 4180 quoting)") from None
    padded = [record + [""] * (width - len(record)) for record in records]
    columns = {p: pc.dictionary_encode(pa.array([record[p] for record in padded], pa.string())) for p in positions}
    return np.arange(2, len(records) + 2, dtype=np.int64), columns


def _all_blank(columns: list[pa.DictionaryArray]) -> np.ndarray | None:
    """Rows whose every cell is blank, None when there are none (most files: then a column
    without any blank text ends the search)."""
    blank = None
    for column in columns:
        empty_text = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(column.dictionary)), 0)
        if not pc.any(empty_text).as_py():
            return None
        empty = empty_text.to_numpy(zero_copy_only=False)[column.indices.to_numpy()]
        blank = empty if blank is None else blank & empty
    return blank if blank is not None and blank.any() else None
