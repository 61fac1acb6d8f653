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
import math
import re
import zipfile

from python_calamine import CalamineWorkbook

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.readers.lookups import is_blank

Row = tuple[int, dict[int, object]]  # (1-based row number, 0-based column -> value), non-blank cells only

DENSE_CELLS = 4_000_000  # span (rows x columns from A1) read by calamine
MAX_UNCOMPRESSED = 256 * 2**20  # all parts of the workbook, as its zip directory declares them
_DECLARED_COUNT = re.compile(rb'\b(?:count|uniqueCount)="([0-9]{1,20})"')


def check_size(archive: zipfile.ZipFile) -> None:
    """Decompressing is bounded by the sizes the zip directory declares (zipfile stops there)."""
    if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
        raise ParseError("file_too_large", f"a workbook of at most {MAX_UNCOMPRESSED:,} bytes uncompressed")


def strings_declared_truly(archive: zipfile.ZipFile) -> bool:
    """calamine reserves room for as many shared strings as the workbook declares (96 GB for a
    uniqueCount of 4,000,000,000, aborting the process): a count the part is too small to hold
    (an <si> takes at least 9 bytes) sends every sheet to the sparse reader."""
    for info in archive.infolist():
        if info.filename.lower().endswith("sharedstrings.xml"):
            with archive.open(info) as stream:
                head = stream.read(4096)
            declared = [int(count) for count in _DECLARED_COUNT.findall(head)]
            if any(count > info.file_size // 9 + 1 for count in declared):
                return False
    return True


def read_sheets(data: bytes, spans: dict[str, float]) -> dict[str, list[Row]]:
    """Sheet name -> its non-blank rows; ``spans``: sheet name -> span of its stored cells
    (infinite: read sparse)."""
    sparse = [name for name, span in spans.items() if span > DENSE_CELLS]
    sheets = {}
    if len(sparse) < len(spans):  # calamine reads the shared strings on opening: only when trusted
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {
            name: _dense_rows(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
            if spans.get(name, math.inf) <= DENSE_CELLS
        }
    if sparse:
        sheets.update(_sparse_sheets(data, sparse))
    return sheets


def _dense_rows(rows: list[list]) -> list[Row]:
    return [
        (number, cells)
        for number, row in enumerate(rows, start=1)
        if (cells := {column: value for column, value in enumerate(row) if not is_blank(value)})
    ]


def _sparse_sheets(data: bytes, names: list[str]) -> dict[str, list[Row]]:
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser behind read-only sheets

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = {}
        for name in names:
            sheet, rows = workbook[name], []
            with sheet._get_source() as source:
                parser = WorkSheetParser(
                    source,
                    sheet._shared_strings,
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                )
                for number, cells in parser.parse():
                    kept = {cell["column"] - 1: cell["value"] for cell in cells if not is_blank(cell["value"])}
                    if kept:
                        rows.append((number, kept))
            sheets[name] = rows
        return sheets
    finally:
        workbook.close()
