"""Parsing on every core when a refresh has many files to parse.

Parsing is pure (bytes in, ParsedFile out), so the workers need nothing but the readers. Files
are parsed in chunks, in a worker or here: a chunk's value rows are resolved together
(readers.read_submissions), which costs far less than file by file. They are
spawned, not forked: the refresh process runs Dagster's threads and holds the DuckDB connection.
Spawned workers are this process's children, so their CPU and memory count in its tree's (wait4;
a forkserver's workers would not). The caller writes the results in its own order; a Parser only
says when enough is in flight.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future
from dataclasses import dataclass, field

import pyarrow as pa

from orchestration.ingest.readers import read_submission, read_submissions, too_large
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.records import NO_REJECTED_ROWS, NO_TASKS, NO_VALUES, ParsedFile, Rejection, decoded

# Starting the workers costs ~2 CPU s (each imports pyarrow, pandas through it, the readers, and
# __main__) and each parsed file a little more CPU than in-process; on the shared 2-core machine
# (load 4-6) the pool tied with parsing in-process at 2,000 files and won a third at 5,000
# (bench/README.md, issue 20 session 6): below that, one core is as fast and costs less CPU.
# Since chunks are resolved together (session 7), parsing in process won at 5,000 files under load
# (8-9 against 12 CPU s); idle, the pool still halves it (5.7 against 8.2-10.4 s wall).
POOL_FROM_FILES = 2000
# A file this large is parsed alone, in the refresh process: in a worker its Arrow tables would
# exist twice (the worker's and their unpickled copy), multiplying peak memory (limit: 50 MB, 1 M rows).
IN_PROCESS_FROM_BYTES = 4 * 2**20
# Files go to a worker and back in chunks: a ParsedFile of 22 values pickles in ~1.5 ms (its
# tables' schemas), about what parsing it costs; a chunk's rows travel as one table per kind. A
# chunk's value rows are resolved together: 64 files cost less than 16 (bench/README.md).
CHUNK_FILES = 64
# In flight at most: enough to keep every worker busy, little enough to keep memory flat.
WINDOW_FILES, WINDOW_BYTES = 6 * CHUNK_FILES, 64 * 2**20


def worker_count() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Parser:
    """Parses files in chunks, in a pool of worker processes when there are at least ``pool_from``
    to parse and more than one core, in this process otherwise (then nothing is started or imported)."""

    def __init__(self, limits: Limits, files_to_parse: int, pool_from: int = POOL_FROM_FILES) -> None:
        self.limits = limits
        self.pool = None
        self.chunk = _Chunk()
        if files_to_parse >= pool_from and (workers := worker_count()) > 1:
            self.pool = _start_pool(workers)

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def parse(self, data: bytes | None, source_file: str) -> Callable[[], ParsedFile]:
        """The file's parse, started; calling the result waits for it (in this process: parses)."""
        if data is None or len(data) >= IN_PROCESS_FROM_BYTES:
            return lambda: parse_in_process(data, source_file, self.limits)
        chunk, index = self.chunk, len(self.chunk.files)
        chunk.files.append((data, source_file))
        if len(chunk.files) == CHUNK_FILES:
            self._submit()
        return lambda: self._result(chunk, index)

    def window_full(self, files: int, size: int) -> bool:
        """Enough in flight: the oldest must be written before the next file is read."""
        if self.pool is None:  # a chunk, parsed when its first file is written
            return files >= CHUNK_FILES or size >= IN_PROCESS_FROM_BYTES
        return files >= WINDOW_FILES or size >= WINDOW_BYTES

    def _submit(self) -> None:
        chunk, self.chunk = self.chunk, _Chunk()
        if self.pool is None:
            return
        with contextlib.suppress(BrokenExecutor):  # a worker was killed: parsed here when its turn comes
            chunk.future = self.pool.submit(parse_files, chunk.files, self.limits)

    def _result(self, chunk: _Chunk, index: int) -> ParsedFile:
        if chunk is self.chunk:  # the last, partial chunk
            self._submit()
        if chunk.parsed is None and chunk.future is not None:
            with contextlib.suppress(Exception):  # not a reader (they reject what they cannot read): the pool
                chunk.parsed = chunk.future.result().files()
        if chunk.parsed is None:
            chunk.parsed = read_submissions(chunk.files, self.limits)
        return chunk.parsed[index]


def _start_pool(workers: int) -> Executor:
    import multiprocessing  # only here: the one-new-file refresh never starts a pool
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


@dataclass
class _Chunk:
    files: list[tuple[bytes, str]] = field(default_factory=list)
    future: Future | None = None
    parsed: list[ParsedFile] | None = None


def parse_in_process(data: bytes | None, source_file: str, limits: Limits) -> ParsedFile:
    """None: the file was over ``limits.max_bytes`` and not read."""
    return read_submission(data, source_file, limits) if data is not None else too_large(source_file, limits)


def parse_files(files: list[tuple[bytes, str]], limits: Limits) -> _Parsed:
    """In a worker: a chunk of files parsed."""
    return _Parsed.of(read_submissions(files, limits))


_EMPTY = (NO_VALUES, NO_TASKS, NO_REJECTED_ROWS)


@dataclass
class _Parsed:
    """A chunk's ParsedFiles as few objects, cheap to pickle: each kind of rows (values, tasks,
    rejected rows) of every file as one table, and each file's row counts."""

    formats: list[str | None]
    listed: list[list[Rejection]]
    counts: list[tuple[int, int, int]]
    tables: list[pa.Table | None]

    @classmethod
    def of(cls, parsed: list[ParsedFile]) -> _Parsed:
        kinds = [[p.values for p in parsed], [p.tasks for p in parsed], [p.rejected_rows for p in parsed]]
        tables = [
            _combined([t for t in kind if t.num_rows], can_unify) for kind, can_unify in zip(kinds, _UNIFY, strict=True)
        ]
        counts = [(p.values.num_rows, p.tasks.num_rows, p.rejected_rows.num_rows) for p in parsed]
        return cls([p.file_format for p in parsed], [p.listed for p in parsed], counts, tables)

    def files(self) -> list[ParsedFile]:
        offsets, files = [0, 0, 0], []
        for file_format, listed, counts in zip(self.formats, self.listed, self.counts, strict=True):
            kinds = []
            for kind, n in enumerate(counts):
                kinds.append(self.tables[kind].slice(offsets[kind], n) if n else _EMPTY[kind])
                offsets[kind] += n
            files.append(ParsedFile(file_format, *kinds[:2], listed=listed, rejected_rows=kinds[2]))
        return files


# values and tasks: their dictionaries never hold a null (readers.long_rows.text_column); a
# rejected row's may, which Arrow cannot unify: decoded (the store takes both)
_UNIFY = (True, True, False)


def _combined(tables: list[pa.Table], can_unify: bool) -> pa.Table | None:
    if not tables:
        return None
    rows = pa.concat_tables(tables)
    return (rows.unify_dictionaries() if can_unify else decoded(rows)).combine_chunks()
