"""Which submission files hold bytes the warehouse has not ingested yet.

The one "already ingested" record is the work database's: raw.ingested_files (every content
hash ingested) with raw.file_sightings in front of hashing. Ingest skips what it holds, and the
no-op check of `p06 refresh` and the raw inbox sensor ask it here, so a file `p06 refresh`
ingested is not new to the sensor of `make dev`, nor the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.ingest import seen
from orchestration.ingest.listing import source_name, submission_files
from orchestration.warehouse.work_db import connect_work_db


@dataclass
class Inbox:
    files: list[Path] = field(default_factory=list)  # every submission file under the raw dir
    new: dict[str, Path] = field(default_factory=dict)  # content never ingested: hash -> a file holding it
    unreadable: list[Path] = field(default_factory=list)  # could not be hashed (the refresh reports them)
    last_ingested_at: datetime | None = None  # naive Asia/Ho_Chi_Minh time, as ingest writes it

    @property
    def all_ingested(self) -> bool:
        return not self.new and not self.unreadable


def read_inbox(raw_dir: Path, work_db: Path) -> Inbox:
    """The submission files under ``raw_dir`` against what ``work_db`` ingested (opened read-only).

    No work database, or one without ingest tables yet: nothing was ingested. Raises
    duckdb.Error when the database cannot be opened (another process writes it).
    """
    root = Path(raw_dir).resolve()
    inbox = Inbox(files=submission_files(root))
    known: set[str] = set()
    sightings: dict[str, tuple[seen.Sighting, str]] = {}
    if work_db.exists():
        with connect_work_db(work_db, read_only=True) as con:
            try:
                known = seen.known_hashes(con)
                last = con.execute("select max(ingested_at) from raw.ingested_files").fetchone()
                inbox.last_ingested_at = last[0]
                sightings = seen.sightings(con)
            except duckdb.CatalogException:
                pass
    for path in inbox.files:
        try:
            if seen.seen_unchanged(sightings.get(source_name(path, root)), path.stat(), known):
                continue
            digest = seen.file_hash(path)
        except OSError:
            inbox.unreadable.append(path)
            continue
        if digest not in known:
            inbox.new.setdefault(digest, path)
    return inbox
