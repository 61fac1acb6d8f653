"""The Excel template: ThongTin (label/value rows), ChiTieu (indicators), optional NhiemVu (tasks)."""

from __future__ import annotations

import io
import math
import zipfile
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.headers import canonical_field, field_positions, unique_fields
from orchestration.ingest.parsing.text import compact
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.readers.long_rows import LongRows, Unresolved
from orchestration.ingest.readers.lookups import Lookups, RowContext
from orchestration.ingest.readers.task_rows import resolve_task_rows
from orchestration.ingest.readers.xlsx_cells import SheetCells, sheet_cells
from orchestration.ingest.readers.xlsx_sheets import Row, check_size, read_sheets, strings_declared_truly
from orchestration.ingest.records import ParsedFile, rejection_rows, storable

HEADER_SEARCH_ROWS = 10
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # password-protected workbooks and old .xls files
EXPECTED_WORKBOOK = "an .xlsx workbook (Excel 2007 or later, not password-protected)"
EXPECTED_THONGTIN = "a sheet ThongTin with rows Tỉnh/Thành phố or Mã tỉnh, and Kỳ báo cáo"
EXPECTED_CHITIEU = "a sheet ChiTieu with a header row (in its first 10 rows) naming Mã chỉ tiêu and Giá trị"
EXPECTED_NHIEMVU = "a header row (in the first 10 rows of NhiemVu) naming Mã nhiệm vụ and Trạng thái"
FORMULA_UNCALCULATED = ParseError(
    "formula_uncalculated", "a value; the cell holds a formula never calculated (open and save in Excel)"
)


def read_xlsx(data: bytes, source_file: str, limits: Limits) -> Unresolved:
    sheets, cells = _open(data)
    info_sheet = sheets.get("thongtin")
    if info_sheet is None:
        raise ParseError("header_missing", EXPECTED_THONGTIN)
    fixed, labels = _label_values(*info_sheet)
    if "period" not in fixed or not {"province_code", "province_name"} & fixed.keys():
        raise ParseError("header_missing", EXPECTED_THONGTIN)
    if "chitieu" not in sheets:
        raise ParseError("header_missing", EXPECTED_CHITIEU)
    if sum(len(rows) for _, rows in sheets.values()) > limits.max_rows:
        raise ParseError("file_too_large", f"at most {limits.max_rows:,} rows")
    lookups = Lookups(limits.today)
    sheet_name, rows = sheets["chitieu"]
    long_rows, formula_rejections = _indicator_rows(
        source_file, sheet_name, rows, cells.get(sheet_name, SheetCells()), fixed, labels
    )
    parsed = ParsedFile("xlsx")
    if "nhiemvu" in sheets:
        sheet_name, rows = sheets["nhiemvu"]
        fields, header_row = _find_header(rows, ("task_code", "status"), EXPECTED_NHIEMVU)
        records = []
        for number, row in _data_rows(rows, header_row):
            record = {name: row.get(col) for name, (col, _) in fields.items()}
            if any(value is not None for value in record.values()):  # else: cells outside the task columns
                records.append((number, record))
        tasks, task_rejections = resolve_task_rows(
            source_file,
            sheet_name,
            records,
            fixed,
            {**labels, **{name: label for name, (_, label) in fields.items()}},
            lookups,
        )
        parsed.tasks = tasks
        parsed.listed.extend(task_rejections)

    def finish(values: pa.Table, rejected_rows: pa.Table) -> ParsedFile:
        parsed.values, parsed.rejected_rows = values, rejected_rows
        if formula_rejections:  # among the rows' own, by row (a stable sort)
            both = pa.concat_tables([rejection_rows(formula_rejections), rejected_rows])
            parsed.rejected_rows = both.take(pc.sort_indices(both, [("source_row", "ascending")]))
        return parsed

    return Unresolved(long_rows, finish)


def _open(data: bytes) -> tuple[dict[str, tuple[str, list[Row]]], dict[str, SheetCells]]:
    """Sheets by matching key ("thongtin") -> (name as written, non-blank rows), and cell notes."""
    if data.startswith(_OLE_MAGIC):
        raise ParseError("file_unreadable", EXPECTED_WORKBOOK + "; this file is encrypted or .xls")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_size(archive)
            cells = sheet_cells(archive)
            dense_safe = strings_declared_truly(archive)
        rows = read_sheets(data, {name: sheet.span if dense_safe else math.inf for name, sheet in cells.items()})
    except ParseError:
        raise
    except Exception:  # whatever breaks opening it (zip, XML, calamine), the workbook is unreadable
        raise ParseError("file_unreadable", EXPECTED_WORKBOOK) from None
    return {compact(name): (name, sheet_rows) for name, sheet_rows in rows.items()}, cells


def _text(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return None if value is None else str(value).strip()


def _label_values(sheet_name: str, rows: list[Row]) -> tuple[dict[str, object], dict[str, str]]:
    """ThongTin: each row's first non-empty cell is a label, the next non-empty one its value.
    A label given twice with different values is ambiguous."""
    fixed, labels, rows_of = {}, {}, {}
    for number, row in rows:
        cells = [row[column] for column in sorted(row)]
        name = canonical_field(cells[0]) if len(cells) >= 2 else None
        if not name:
            continue
        value = _text(cells[1]) if name in ("province_code", "province_name") else cells[1]
        if name in fixed and fixed[name] != value:
            raise ParseError(
                "header_ambiguous",
                f"one row for {labels[name]} in sheet {sheet_name}; "
                f"rows {rows_of[name]} and {number} give different values",
            )
        if name not in fixed:
            fixed[name], rows_of[name] = value, number
            labels[name] = f"{cells[0]} (sheet ThongTin)"
    return fixed, labels


def _find_header(rows: list[Row], required: tuple[str, ...], expected: str) -> tuple[dict, int]:
    """Fields -> (0-based column, header as written), and the header's index among ``rows``,
    searched in the first 10 rows of the sheet."""
    for index, (number, row) in enumerate(rows):
        if number > HEADER_SEARCH_ROWS:
            break
        headers = [row.get(column) for column in range(max(row) + 1)]
        positions = field_positions(headers)
        if all(name in positions for name in required):
            return {name: (column, headers[column]) for name, column in unique_fields(headers).items()}, index
    raise ParseError("header_missing", expected)


def _data_rows(rows: list[Row], header_index: int) -> list[Row]:
    """The (non-empty) rows below the header."""
    return rows[header_index + 1 :]


def _as_shown(value: object, percent_format: bool) -> object:
    """A number as the sheet shows it: 0.963 formatted as a percent is 96.3."""
    if percent_format and isinstance(value, float):
        return float(Decimal(repr(value)) * 100)
    return value


def _indicator_rows(source_file, sheet_name, rows, cells: SheetCells, fixed, labels) -> tuple[LongRows, list]:
    fields, header_row = _find_header(rows, ("indicator_code", "value"), EXPECTED_CHITIEU)
    value_column, value_label = fields["value"]
    code_column = fields["indicator_code"][0]
    labels = {**labels, **{name: label for name, (_, label) in fields.items()}}
    kept, rejections = [], []
    for number, row in _data_rows(rows, header_row):
        if (number, value_column + 1) in cells.uncalculated:
            context = RowContext(source_file, sheet_name, number, indicator_code=_text(row.get(code_column)))
            rejections.append(context.reject(FORMULA_UNCALCULATED, value_label, "(formula without result)"))
        elif row.get(value_column) is not None:  # a template row left blank: not reported
            kept.append((number, row))
    columns = {"indicator_code": pa.array([_text(row.get(code_column)) for _, row in kept], pa.string())}
    if "commune_code" in fields:
        commune_column = fields["commune_code"][0]
        columns["commune_code"] = pa.array([_text(r.get(commune_column)) or "" for _, r in kept], pa.string())
    if "note" in fields:  # a note is text: the stored value, a formula's cached result, never evaluated
        note_column = fields["note"][0]
        columns["note"] = pa.array([storable(_text(r.get(note_column)) or "") for _, r in kept], pa.string())
    long_rows = LongRows(
        source_file,
        sheet_name,
        np.array([n for n, _ in kept], dtype=np.int64),
        columns,
        fixed=fixed,
        labels=labels,
        value_cells=[_as_shown(row.get(value_column), (n, value_column + 1) in cells.percent) for n, row in kept],
    )
    return long_rows, rejections
