"""Ingest every new submission under the raw dir into schema ``raw`` (CONTRACT §2)."""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.ingest import parallel, seen, store
from orchestration.ingest.listing import (
    list_submissions,
    not_followed,
    raw_dir_problem,
    source_name,
)
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.records import ParsedFile, Rejection
from orchestration.ingest.schema import ensure_raw_schema
from orchestration.settings import VIETNAM


@dataclass
class IngestReport:
    files_seen: int = 0
    files_ingested: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    not_read: list[str] = field(default_factory=list)  # folders not entered, with the reason

    def add(self, stored: store.StoredFile | None) -> None:
        if stored is None:
            self.files_skipped += 1
            return
        parsed = stored.parsed
        self.files_rejected += parsed.file_rejected
        self.files_ingested += not parsed.file_rejected
        self.rows_accepted += parsed.rows_accepted
        self.rows_rejected += parsed.rows_rejected

    def to_dict(self) -> dict[str, int]:
        return {key: value for key, value in asdict(self).items() if key != "not_read"}


def ingest_new_files(
    raw_dir: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    max_bytes: int = 50 * 2**20,
    max_rows: int = 1_000_000,
    now: datetime | None = None,
    pool_from: int = parallel.POOL_FROM_FILES,
) -> IngestReport:
    """Parse each file whose bytes were never ingested; already-seen files are skipped unread.
    ``pool_from``: the number of files to parse from which they are parsed on every core."""
    raw_dir = Path(raw_dir).resolve()
    if problem := raw_dir_problem(raw_dir):  # an empty listing would publish empty marts
        raise NotADirectoryError(problem)
    ensure_raw_schema(con)
    store.ensure_store(con)
    clock = (lambda: now) if now else local_now
    refresh = _Refresh(con, Limits(max_bytes, max_rows, today=clock().date()), clock)
    listing = list_submissions(raw_dir)
    report = IngestReport(not_read=listing.not_read)
    named = [(source_name(path, raw_dir), path) for path in listing.files]
    for stored in refresh.ingest([*named, *((r.source_file, r) for r in listing.rejected)], pool_from):
        report.files_seen += 1
        report.add(stored)
    refresh.flush()
    return report


@dataclass
class _Read:
    """A file read and hashed, its parse started; ``problem``: it could not be read."""

    source_file: str
    sighting: seen.Sighting | None = None
    digest: str | None = None
    new: bool = False  # content never ingested before this file (else decided in order, when written)
    parse: Callable[[], ParsedFile] | None = None
    size: int = 0
    problem: Rejection | None = None


class _Refresh:
    """One call of ingest_new_files: its load_id, clock, the hashes known so far, and the parsed
    files waiting to be written together.

    Files are read in the given order and written in it; each file gets the time it is written,
    just after its parse, as ingested_at, so "the file ingested last" (the resubmission
    tie-break) is well defined within one refresh too, and follows the listing when files are
    parsed in parallel.
    """

    FLUSH_ROWS, FLUSH_FILES = 100_000, 200

    def __init__(self, con: duckdb.DuckDBPyConnection, limits: Limits, clock: Callable[[], datetime]):
        self.con, self.limits, self.clock = con, limits, clock
        self.load_id = store.next_load_id(con)
        self.known, self.seen = seen.known_hashes(con), seen.sightings(con)
        self.rejected, self.reported = store.rejected_hashes(con), store.reported_unread(con)
        self.pending: list[store.StoredFile] = []
        self.pending_rows = 0

    def ingest(
        self, files: list[tuple[str, Path | Rejection]], pool_from: int = parallel.POOL_FROM_FILES
    ) -> Iterator[store.StoredFile | None]:
        """Each file (or a listing's rejection) read, parsed and written, in order; None: a file
        skipped (its bytes were ingested before)."""
        to_read = []
        for source_file, target in files:
            if isinstance(target, Rejection):
                to_read.append((source_file, target, None))
                continue
            try:
                stat = target.stat()
            except OSError as error:  # vanished or not readable by us: reported, tried again next time
                to_read.append((source_file, _unreadable(source_file, error), None))
                continue
            if seen.seen_unchanged(self.seen.get(source_file), stat, self.known):
                yield None
            else:
                to_read.append((source_file, target, stat))
        files_to_parse = sum(1 for _, target, _ in to_read if not isinstance(target, Rejection))
        with parallel.Parser(self.limits, files_to_parse, pool_from) as parser:
            window: deque[_Read] = deque()
            in_flight = 0
            for source_file, target, stat in to_read:
                item = _Read(source_file, problem=target) if isinstance(target, Rejection) else None
                window.append(item or self._read(source_file, target, stat, parser))
                in_flight += window[-1].size
                while window and parser.window_full(len(window), in_flight):
                    in_flight -= window[0].size
                    yield self.write(self._settle(window.popleft()))
            while window:
                yield self.write(self._settle(window.popleft()))

    def _read(self, source_file: str, path: Path, stat: os.stat_result, parser: parallel.Parser) -> _Read:
        try:
            data = path.read_bytes() if stat.st_size <= self.limits.max_bytes else None
            digest = hashlib.sha256(data).hexdigest() if data is not None else seen.file_hash(path)
        except OSError as error:
            return _Read(source_file, problem=_unreadable(source_file, error))
        item = _Read(source_file, seen.Sighting.of(stat), digest, digest not in self.known, size=stat.st_size)
        if item.new:
            self.known.add(digest)
            item.parse = parser.parse(data, source_file)
        else:  # parsed again only if its content was rejected (decided in order)
            item.parse = lambda: parallel.parse_in_process(data, source_file, self.limits)
        return item

    def _settle(self, item: _Read) -> store.StoredFile | None:
        """The file parsed, or None when its bytes were ingested before (a content rejected
        before is reported again under each new name it arrives with)."""
        if item.problem is not None:
            return self.unread(item.problem)
        if not item.new:
            named_so = (self.seen.get(item.source_file) or (None, None))[1] == item.digest  # touched, not changed
            if item.digest not in self.rejected or named_so:
                store.record_sightings(self.con, [self._stored(item, ParsedFile(None))])
                return None
            return self._stored(item, item.parse(), repeat=True)
        parsed = item.parse()
        if parsed.file_rejected:
            self.rejected.add(item.digest)
        return self._stored(item, parsed)

    def unread(self, rejection: Rejection) -> store.StoredFile | None:
        """A file that could not be read, or None when reported so already."""
        if (rejection.source_file, rejection.detail) in self.reported:
            return None
        self.reported.add((rejection.source_file, rejection.detail))
        return self._stored(_Read(rejection.source_file), ParsedFile(None, listed=[rejection]))

    def _stored(self, item: _Read, parsed: ParsedFile, repeat: bool = False) -> store.StoredFile:
        return store.StoredFile(
            item.digest, item.source_file, item.sighting, parsed, self.clock(), self.load_id, repeat
        )

    def write(self, stored: store.StoredFile | None) -> store.StoredFile | None:
        if stored is None:
            return None
        self.pending.append(stored)
        self.pending_rows += stored.parsed.values.num_rows
        if len(self.pending) >= self.FLUSH_FILES or self.pending_rows >= self.FLUSH_ROWS:
            self.flush()
        return stored

    def flush(self) -> None:
        store.write_files(self.con, self.pending)
        self.pending, self.pending_rows = [], 0


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    files: dict[str, Path],
    *,
    rejected: tuple[Rejection, ...] = (),
    max_bytes: int = 50 * 2**20,
    max_rows: int = 1_000_000,
    now: datetime | None = None,
) -> list[Rejection]:
    """Ingest the given files under the given names (``p06 validate``'s scratch database) as a
    refresh ingests new files; the rejections recorded. ``rejected``: what a folder's listing
    refused to read (``list_submissions``). A link given by name may lead anywhere, but never
    loops or dangles unreported."""
    ensure_raw_schema(con)
    store.ensure_store(con)
    clock = (lambda: now) if now else local_now
    refresh = _Refresh(con, Limits(max_bytes, max_rows, today=clock().date()), clock)
    named = [(name, not_followed(path, None, name) or path) for name, path in files.items()]
    rejections = []
    for stored in refresh.ingest([*named, *((r.source_file, r) for r in rejected)]):
        if stored:
            rejections.extend(stored.parsed.rejections)
    refresh.flush()
    return rejections


def _unreadable(source_file: str, error: OSError) -> Rejection:
    expected = f"a file p06 can read ({error.strerror or error})"
    return Rejection(source_file, "file_unreadable", expected)


def local_now() -> datetime:
    """Now on Vietnam's calendar, naive (as ingested_at and submitted_at are stored)."""
    return datetime.now(VIETNAM).replace(tzinfo=None)
