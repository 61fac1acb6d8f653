"""Files' bytes -> ParsedFiles (accepted rows and rejections), whatever their format."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import PurePath

from orchestration.ingest.listing import SUFFIXES
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.readers.csv_reader import read_csv
from orchestration.ingest.readers.json_reader import read_json
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.readers.long_rows import Unresolved, resolve_long_rows, resolve_many
from orchestration.ingest.readers.lookups import Lookups
from orchestration.ingest.readers.xlsx_reader import read_xlsx
from orchestration.ingest.records import ParsedFile, Rejection

log = logging.getLogger(__name__)
READERS = dict(zip(SUFFIXES, (read_csv, read_xlsx, read_json), strict=True))


def read_submission(data: bytes, source_file: str, limits: Limits = Limits()) -> ParsedFile:
    """Parse one submission; a file that cannot be read becomes one file-level rejection."""
    return read_submissions([(data, source_file)], limits)[0]


def read_submissions(files: list[tuple[bytes, str]], limits: Limits = Limits()) -> list[ParsedFile]:
    """Parse submissions, each as if alone; their value rows are resolved together (each distinct
    raw value parsed once across the files)."""
    read = [_guarded(source_file, _read, data, source_file, limits) for data, source_file in files]
    unresolved = [position for position, item in enumerate(read) if isinstance(item, Unresolved)]
    lookups = Lookups(limits.today)
    try:
        resolved = resolve_many([read[position].rows for position in unresolved], lookups)
    except Exception:  # a file's rows broke it: each resolved alone, failing its own file only
        resolved = [None] * len(unresolved)
    for position, result in zip(unresolved, resolved, strict=True):
        read[position] = _guarded(files[position][1], _finish, read[position], result, lookups)
    return read


def _read(data: bytes, source_file: str, limits: Limits) -> ParsedFile | Unresolved:
    if len(data) > limits.max_bytes:
        return too_large(source_file, limits)
    return READERS[PurePath(source_file).suffix.lower()](data, source_file, limits)


def _finish(item: Unresolved, resolved: tuple | None, lookups: Lookups) -> ParsedFile:
    return item.finish(*(resolved or resolve_long_rows(item.rows, lookups)))


def _guarded(source_file: str, step: Callable, *args: object) -> ParsedFile | Unresolved:
    """A step of reading a file; a file that cannot be read becomes one file-level rejection."""
    try:
        return step(*args)
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
