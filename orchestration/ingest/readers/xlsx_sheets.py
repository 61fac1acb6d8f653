"""The cells a workbook's sheets store, as sparse rows; never an array sized by what the file
declares (its dimension, or a stray cell at XFD1048576).

python-calamine is fast but builds each sheet as one dense array spanning its stored cells: a
sheet with a cell at A1 and one at XFD1048576 asks for ~550 GB and aborts the process. So the
sheet's XML is scanned first (``xlsx_cells``: streamed, cell references only); a sheet whose span
is small is read by calamine, any other by openpyxl's streaming parser, which keeps only the
cells stored.
"""

from __future__ import annotations

import io
import zipfile

from python_calamine import CalamineWorkbook

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.readers.lookups import is_blank

Row = tuple[int, dict[int, object]]  # (1-based row number, 0-based column -> value), non-blank cells only

DENSE_CELLS = 4_000_000  # span (rows x columns from A1) read by calamine
MAX_UNCOMPRESSED = 256 * 2**20  # all parts of the workbook, as its zip directory declares them


def check_size(archive: zipfile.ZipFile) -> None:
    """Decompressing is bounded by the sizes the zip directory declares (zipfile stops there)."""
    if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
        raise ParseError("file_too_large", f"a workbook of at most {MAX_UNCOMPRESSED:,} bytes uncompressed")


def read_sheets(data: bytes, spans: dict[str, float]) -> dict[str, list[Row]]:
    """Sheet name -> its non-blank rows; ``spans``: sheet name -> span of its stored cells."""
    sparse = [name for name, span in spans.items() if span > DENSE_CELLS]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = {name: _dense_rows(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
              for name in workbook.sheet_names if spans.get(name, DENSE_CELLS + 1) <= DENSE_CELLS}
    if sparse:
        sheets.update(_sparse_sheets(data, sparse))
    return sheets


def _dense_rows(rows: list[list]) -> list[Row]:
    return [(number, cells) for number, row in enumerate(rows, start=1)
            if (cells := {column: value for column, value in enumerate(row) if not is_blank(value)})]


def _sparse_sheets(data: bytes, names: list[str]) -> dict[str, list[Row]]:
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser behind read-only sheets

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = {}
        for name in names:
            sheet, rows = workbook[name], []
            with sheet._get_source() as source:
                parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                         date_formats=workbook._date_formats,
                                         timedelta_formats=workbook._timedelta_formats)
                for number, cells in parser.parse():
                    kept = {cell["column"] - 1: cell["value"] for cell in cells if not is_blank(cell["value"])}
                    if kept:
                        rows.append((number, kept))
            sheets[name] = rows
        return sheets
    finally:
        workbook.close()
