"""Ingest every new submission under the raw dir into schema ``raw`` (CONTRACT §2)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.ingest import seen, store
from orchestration.ingest.listing import (
    list_submissions,
    not_followed,
    raw_dir_problem,
    source_name,
)
from orchestration.ingest.readers import read_submission, too_large
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
) -> IngestReport:
    """Parse each file whose bytes were never ingested; already-seen files are skipped unread."""
    raw_dir = Path(raw_dir).resolve()
    if problem := raw_dir_problem(raw_dir):  # an empty listing would publish empty marts
        raise NotADirectoryError(problem)
    ensure_raw_schema(con)
    store.ensure_store(con)
    clock = (lambda: now) if now else local_now
    refresh = _Refresh(con, Limits(max_bytes, max_rows, today=clock().date()), clock)
    listing = list_submissions(raw_dir)
    report = IngestReport(not_read=listing.not_read)
    for path in listing.files:
        report.files_seen += 1
        report.add(refresh.write(refresh.read(path, source_name(path, raw_dir))))
    for rejection in listing.rejected:
        report.files_seen += 1
        report.add(refresh.write(refresh.unread(rejection)))
    refresh.flush()
    return report


class _Refresh:
    """One call of ingest_new_files: its load_id, clock, the hashes known so far, and the parsed
    files waiting to be written together.

    Each file gets the time it was parsed as ingested_at, so "the file ingested last" (the
    resubmission tie-break) is well defined within one refresh too.
    """

    FLUSH_ROWS, FLUSH_FILES = 100_000, 200

    def __init__(self, con: duckdb.DuckDBPyConnection, limits: Limits, clock: Callable[[], datetime]):
        self.con, self.limits, self.clock = con, limits, clock
        self.load_id = store.next_load_id(con)
        self.known, self.seen = seen.known_hashes(con), seen.sightings(con)
        self.rejected, self.reported = store.rejected_hashes(con), store.reported_unread(con)
        self.pending: list[store.StoredFile] = []
        self.pending_rows = 0

    def read(self, path: Path, source_file: str) -> store.StoredFile | None:
        """The file parsed, or None when its bytes were ingested before (a content rejected
        before is reported again under each new name it arrives with)."""
        try:
            stat = path.stat()
            if seen.seen_unchanged(self.seen.get(source_file), stat, self.known):
                return None
            data = path.read_bytes() if stat.st_size <= self.limits.max_bytes else None
            digest = hashlib.sha256(data).hexdigest() if data is not None else seen.file_hash(path)
        except OSError as error:  # vanished or not readable by us: reported, tried again next time
            return self.unread(_unreadable(source_file, error))
        sighting = seen.Sighting.of(stat)
        if digest in self.known:
            named_so = (self.seen.get(source_file) or (None, None))[1] == digest  # touched, not changed
            if digest not in self.rejected or named_so:
                store.record_sightings(self.con, [self._stored(digest, source_file, sighting, ParsedFile(None))])
                return None
            parsed = _parse(data, source_file, self.limits)
            return self._stored(digest, source_file, sighting, parsed, repeat=True)
        self.known.add(digest)
        parsed = _parse(data, source_file, self.limits)
        if parsed.file_rejected:
            self.rejected.add(digest)
        return self._stored(digest, source_file, sighting, parsed)

    def unread(self, rejection: Rejection) -> store.StoredFile | None:
        """A file that could not be read, or None when reported so already."""
        if (rejection.source_file, rejection.detail) in self.reported:
            return None
        self.reported.add((rejection.source_file, rejection.detail))
        return self._stored(None, rejection.source_file, None, ParsedFile(None, listed=[rejection]))

    def _stored(self, digest, source_file, sighting, parsed, repeat=False) -> store.StoredFile:
        return store.StoredFile(digest, source_file, sighting, parsed, self.clock(), self.load_id, repeat)

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


def _parse(data: bytes | None, source_file: str, limits: Limits) -> ParsedFile:
    return read_submission(data, source_file, limits) if data is not None else too_large(source_file, limits)


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
    rejections = []
    for source_file, path in files.items():
        problem = not_followed(path, None, source_file)
        stored = refresh.unread(problem) if problem else refresh.read(path, source_file)
        if refresh.write(stored):
            rejections.extend(stored.parsed.rejections)
    for rejection in rejected:
        if refresh.write(refresh.unread(rejection)):
            rejections.append(rejection)
    refresh.flush()
    return rejections


def _unreadable(source_file: str, error: OSError) -> Rejection:
    expected = f"a file p06 can read ({error.strerror or error})"
    return Rejection(source_file, "file_unreadable", expected)


def local_now() -> datetime:
    """Now on Vietnam's calendar, naive (as ingested_at and submitted_at are stored)."""
    return datetime.now(VIETNAM).replace(tzinfo=None)
