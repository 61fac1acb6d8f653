"""What the cell values of a workbook do not say, read from its XML: formulas never calculated,
and numbers shown as percentages. Formulas are never evaluated.

A spreadsheet reader returns a formula's cached result; a formula never calculated (written by a
program, not saved by Excel) reads as an empty cell, which must not pass for "not reported".
A cell typed as "96,30%" holds 0.963 with a percent format: the officer meant 96.3.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")
_BUILTIN_PERCENT_FORMATS = {"9", "10"}  # 0% and 0.00%


@dataclass
class SheetCells:
    """(row, column), both 1-based, of the cells worth knowing about in one sheet."""

    uncalculated: set[tuple[int, int]] = field(default_factory=set)
    percent: set[tuple[int, int]] = field(default_factory=set)


def sheet_cells(data: bytes) -> dict[str, SheetCells]:
    """Sheet name -> its uncalculated-formula and percent-formatted cells."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        percent_styles = _percent_styles(archive.read("xl/styles.xml")) if "xl/styles.xml" in names else set()
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{_PKG_REL}Relationship")}
        found = {}
        for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id"), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            xml = archive.read(part) if part in names else b""
            if b"<f" in xml or percent_styles:
                found[sheet.get("name")] = _scan(xml, percent_styles)
        return found


def _percent_styles(styles_xml: bytes) -> set[str]:
    """Indexes (as in a cell's ``s`` attribute) of the cell styles whose number format is a percent."""
    styles = ElementTree.fromstring(styles_xml)
    percent_formats = set(_BUILTIN_PERCENT_FORMATS) | {
        fmt.get("numFmtId") for fmt in styles.iter(f"{_MAIN}numFmt") if "%" in fmt.get("formatCode", "")
    }
    cell_xfs = styles.find(f"{_MAIN}cellXfs")
    xfs = cell_xfs.findall(f"{_MAIN}xf") if cell_xfs is not None else []
    return {str(index) for index, xf in enumerate(xfs) if xf.get("numFmtId") in percent_formats}


def _scan(xml: bytes, percent_styles: set[str]) -> SheetCells:
    cells = SheetCells()
    for cell in ElementTree.fromstring(xml).iter(f"{_MAIN}c"):
        value = cell.find(f"{_MAIN}v")
        if cell.find(f"{_MAIN}f") is not None and (value is None or not (value.text or "").strip()):
            cells.uncalculated.add(_position(cell.get("r", "")))
        if cell.get("s") in percent_styles:
            cells.percent.add(_position(cell.get("r", "")))
    return cells


def _position(reference: str) -> tuple[int, int]:
    letters, row = _CELL_REF.fullmatch(reference).groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(row), column
