"""What the cell values of a workbook do not say, read from its XML: how far its stored cells
reach, formulas never calculated, and numbers shown as percentages. Formulas are never evaluated.

A spreadsheet reader returns a formula's cached result; a formula never calculated (written by a
program, not saved by Excel) reads as an empty cell, which must not pass for "not reported".
A cell typed as "96,30%" holds 0.963 with a percent format: the officer meant 96.3.

A sheet's XML is streamed in chunks and matched cell by cell: never held whole, never parsed into
a tree (a 200,000-row sheet would take hundreds of MB as one).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILTIN_PERCENT_FORMATS = {"9", "10"}  # 0% and 0.00%
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_STYLE = re.compile(rb'\bs="([0-9]+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]")
_CHUNK = 2**20


@dataclass
class SheetCells:
    """(row, column), both 1-based, of the cells worth knowing about in one sheet, and the span
    of its stored cells: rows x columns from A1 to the farthest (infinite when a cell gives no
    reference: its place then depends on the cells before it)."""

    uncalculated: set[tuple[int, int]] = field(default_factory=set)
    percent: set[tuple[int, int]] = field(default_factory=set)
    span: float = 0


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the archive, in workbook order."""
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels.iter(f"{_PKG_REL}Relationship")}
    parts = {}
    for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return parts


def sheet_cells(archive: zipfile.ZipFile) -> dict[str, SheetCells]:
    """Sheet name -> its span, uncalculated-formula and percent-formatted cells."""
    names = set(archive.namelist())
    percent_styles = _percent_styles(archive.read("xl/styles.xml")) if "xl/styles.xml" in names else set()
    return {name: _scan(archive, part, percent_styles) for name, part in sheet_parts(archive).items() if part in names}


def _percent_styles(styles_xml: bytes) -> set[bytes]:
    """Indexes (as in a cell's ``s`` attribute) of the cell styles whose number format is a percent."""
    styles = ElementTree.fromstring(styles_xml)
    percent_formats = set(_BUILTIN_PERCENT_FORMATS) | {
        fmt.get("numFmtId") for fmt in styles.iter(f"{_MAIN}numFmt") if "%" in fmt.get("formatCode", "")
    }
    cell_xfs = styles.find(f"{_MAIN}cellXfs")
    xfs = cell_xfs.findall(f"{_MAIN}xf") if cell_xfs is not None else []
    return {str(index).encode() for index, xf in enumerate(xfs) if xf.get("numFmtId") in percent_formats}


def _scan(archive: zipfile.ZipFile, part: str, percent_styles: set[bytes]) -> SheetCells:
    cells = SheetCells()
    max_row = max_column = 0
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            text, end = tail + chunk, 0
            for match in _CELL.finditer(text):
                end = match.end()
                attributes, content = match[1], match[2] or b""
                reference = _REFERENCE.search(attributes)
                if reference is None:
                    cells.span = float("inf")
                    continue
                row, column = int(reference[2]), _column_number(reference[1])
                max_row, max_column = max(max_row, row), max(max_column, column)
                if _FORMULA.search(content) and not _VALUE.search(content):
                    cells.uncalculated.add((row, column))
                style = _STYLE.search(attributes)
                if style and style[1] in percent_styles:
                    cells.percent.add((row, column))
            tail = text[end:]
            if len(tail) > 4 * _CHUNK:  # no cell ends in 4 MB: not a sheet any program writes
                cells.span = float("inf")
                tail = tail[-_CHUNK:]
    cells.span = max(cells.span, max_row * max_column)
    return cells


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number
