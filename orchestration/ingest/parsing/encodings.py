"""Bytes of a text file -> str: UTF-8 (with/without BOM), UTF-16 with BOM, else Windows-1258."""

from __future__ import annotations

import codecs
import unicodedata

from orchestration.ingest.parsing.errors import ParseError

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
EXPECTED_TEXT = "a text file in UTF-8, UTF-16 with BOM or Windows-1258"


def decode_text(data: bytes) -> str:
    """The text of a file, NFC (Windows-1258 decodes tone marks as combining characters)."""
    if not data or data.isspace():
        raise ParseError("file_unreadable", "a non-empty file")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    try:
        if encoding:
            text = data.decode(encoding)
        else:
            if b"\x00" in data:  # binary content: a workbook or archive saved as .csv
                raise ParseError("file_unreadable", EXPECTED_TEXT)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1258")
    except UnicodeDecodeError:
        raise ParseError("file_unreadable", EXPECTED_TEXT) from None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\x00" in text:
        raise ParseError("file_unreadable", EXPECTED_TEXT)
    return text.lstrip("\ufeff")


def utf8_bytes(data: bytes) -> bytes:
    """The file as UTF-8: the bytes themselves when they already are UTF-8 without BOM (no copy,
    no NFC pass: key fields are compared folded), else ``decode_text`` re-encoded."""
    if data and not data.isspace() and b"\x00" not in data and not data.startswith(codecs.BOM_UTF8):
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError:
            pass
    return decode_text(data).encode()


def sniff_delimiter(text: str) -> str:
    """`;` or `,`: whichever separates more fields of the header line."""
    header_line = text[:65536].split("\n", 1)[0]
    unquoted = header_line.split('"')[::2]  # text outside quoted fields
    semicolons = sum(part.count(";") for part in unquoted)
    commas = sum(part.count(",") for part in unquoted)
    return ";" if semicolons > commas else ","
