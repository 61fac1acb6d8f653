"""One file's bytes -> ParsedFile (accepted rows and rejections), whatever its format."""

from __future__ import annotations

import logging
from pathlib import PurePath

from orchestration.ingest.listing import SUFFIXES
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.readers.csv_reader import read_csv
from orchestration.ingest.readers.json_reader import read_json
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.readers.xlsx_reader import read_xlsx
from orchestration.ingest.records import ParsedFile, Rejection

log = logging.getLogger(__name__)
READERS = dict(zip(SUFFIXES, (read_csv, read_xlsx, read_json), strict=True))


def read_submission(data: bytes, source_file: str, limits: Limits = Limits()) -> ParsedFile:
    """Parse one submission; a file that cannot be read becomes one file-level rejection."""
    if len(data) > limits.max_bytes:
        return too_large(source_file, limits)
    try:
        return READERS[PurePath(source_file).suffix.lower()](data, source_file, limits)
    except ParseError as error:
        return ParsedFile(None, listed=[Rejection(source_file, error.rule, error.expected)])
    except Exception as error:  # a reader failing on a hostile file costs that file only, never the refresh
        log.exception("reading %s failed", source_file)
        expected = f"a file p06 can read (reading it failed: {type(error).__name__})"
        return ParsedFile(None, listed=[Rejection(source_file, "file_unreadable", expected)])


def too_large(source_file: str, limits: Limits) -> ParsedFile:
    """The file-level rejection of a file over ``limits.max_bytes``, decided without reading it."""
    return ParsedFile(
        None, listed=[Rejection(source_file, "file_too_large", f"a file of at most {limits.max_bytes:,} bytes")]
    )
