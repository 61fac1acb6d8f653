"""Cells whose formula has no saved result, found in the workbook XML (formulas are never run).

A spreadsheet reader returns a formula's cached result; a formula never calculated (written by a
program, not saved by Excel) reads as an empty cell, which must not pass for "not reported".
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


def uncalculated_formula_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Sheet name -> (row, column), both 1-based, of each formula cell without a cached value."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{_PKG_REL}Relationship")}
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        found = {}
        for sheet in workbook.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id"), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            xml = archive.read(part) if part in archive.namelist() else b""
            if b"<f" in xml:
                found[sheet.get("name")] = _cells_without_value(xml)
        return found


def _cells_without_value(xml: bytes) -> set[tuple[int, int]]:
    cells = set()
    for cell in ElementTree.fromstring(xml).iter(f"{_MAIN}c"):
        value = cell.find(f"{_MAIN}v")
        if cell.find(f"{_MAIN}f") is not None and (value is None or not (value.text or "").strip()):
            letters, row = _CELL_REF.fullmatch(cell.get("r", "")).groups()
            column = 0
            for letter in letters:
                column = column * 26 + ord(letter) - ord("A") + 1
            cells.add((int(row), column))
    return cells
