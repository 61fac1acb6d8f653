"""Ingest every new submission under the raw dir into schema ``raw`` (CONTRACT §2)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from orchestration.ingest import store
from orchestration.ingest.readers import READERS, read_submission, too_large
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.records import ParsedFile, Rejection, format_rejection
from orchestration.ingest.schema import ensure_raw_schema
from orchestration.settings import VIETNAM

__all__ = ["IngestReport", "format_rejection", "ingest_files", "ingest_new_files"]


@dataclass
class IngestReport:
    files_seen: int = 0
    files_ingested: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def ingest_new_files(
    raw_dir: Path, con: duckdb.DuckDBPyConnection, *, max_bytes: int = 50 * 2**20,
    max_rows: int = 1_000_000, now: datetime | None = None,
) -> IngestReport:
    """Parse each file whose bytes were never ingested; already-seen files are skipped unread."""
    ensure_raw_schema(con)
    store.ensure_store(con)
    raw_dir = Path(raw_dir).resolve()
    refresh = _Refresh(con, Limits(max_bytes, max_rows), (lambda: now) if now else _local_now)
    report = IngestReport()
    for path in submission_files(raw_dir):
        report.files_seen += 1
        stored = refresh.read(path, path.relative_to(raw_dir).as_posix())
        if stored is None:
            report.files_skipped += 1
            continue
        refresh.write(stored)
        parsed = stored.parsed
        report.files_rejected += parsed.file_rejected
        report.files_ingested += not parsed.file_rejected
        report.rows_accepted += parsed.rows_accepted
        report.rows_rejected += parsed.rows_rejected
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
        self.known, self.seen = store.known_hashes(con), store.sightings(con)
        self.pending: list[store.StoredFile] = []

    def read(self, path: Path, source_file: str) -> store.StoredFile | None:
        """The file parsed, or None when its bytes were ingested before."""
        try:
            stat = path.stat()
            if store.seen_unchanged(self.seen.get(source_file), stat, self.known):
                return None
            data = path.read_bytes() if stat.st_size <= self.limits.max_bytes else None
            digest = hashlib.sha256(data).hexdigest() if data is not None else file_hash(path)
        except OSError as error:  # vanished or not readable by us: reported, tried again next time
            return store.StoredFile(None, source_file, 0, 0, _unreadable(source_file, error),
                                    self.clock(), self.load_id)
        if digest in self.known:
            store.record_sighting(self.con, source_file, stat.st_size, stat.st_mtime_ns, digest)
            return None
        self.known.add(digest)
        parsed = read_submission(data, source_file, self.limits) if data is not None \
            else too_large(source_file, self.limits)
        return store.StoredFile(digest, source_file, stat.st_size, stat.st_mtime_ns, parsed,
                                self.clock(), self.load_id)

    def write(self, stored: store.StoredFile) -> None:
        self.pending.append(stored)
        if len(self.pending) >= self.FLUSH_FILES or \
                sum(f.parsed.values.num_rows for f in self.pending) >= self.FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        store.write_files(self.con, self.pending)
        self.pending = []


def ingest_files(con: duckdb.DuckDBPyConnection, files: dict[str, Path], *, max_bytes: int = 50 * 2**20,
                 max_rows: int = 1_000_000) -> list[Rejection]:
    """Ingest the given files under the given names (``p06 validate``'s scratch database) as a
    refresh ingests new files; the rejections recorded."""
    ensure_raw_schema(con)
    store.ensure_store(con)
    refresh = _Refresh(con, Limits(max_bytes, max_rows), _local_now)
    rejections = []
    for source_file, path in files.items():
        if stored := refresh.read(path, source_file):
            refresh.write(stored)
            rejections.extend(stored.parsed.rejections)
    refresh.flush()
    return rejections


def _unreadable(source_file: str, error: OSError) -> ParsedFile:
    expected = f"a file p06 can read ({error.strerror or error})"
    return ParsedFile(None, rejections=[Rejection(source_file, "file_unreadable", expected)])


def _local_now() -> datetime:
    return datetime.now(VIETNAM).replace(tzinfo=None)


def submission_files(raw_dir: Path) -> list[Path]:
    """Every .csv/.xlsx/.json under raw_dir, sorted; symlinks leading outside it are ignored
    (symlinked folders are not entered)."""
    root = Path(raw_dir).resolve()
    found = []
    for folder, _, names in os.walk(raw_dir):
        for name in names:
            path = Path(folder) / name
            target = path.resolve()
            if path.suffix.lower() in READERS and target.is_relative_to(root) and target.is_file():
                found.append(path)
    return sorted(found)


def file_hash(path: Path) -> str:
    """A submission's identity: the SHA-256 of its bytes (CONTRACT §2)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
