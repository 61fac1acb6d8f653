"""The "already seen" rule, read side: a file's content is ingested when its SHA-256 is in
raw.ingested_files; a file seen unchanged under the same path (raw.file_sightings) is not hashed
again. Ingest, the no-op check of `p06 refresh` and the raw inbox sensor all ask it here; nothing
heavier than DuckDB is imported (the no-op check runs before anything else).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Sighting:
    """What a file's stat says about its content, compared before hashing it again. Size and mtime
    alone are not enough (`cp -p`, `rsync -t` and unzip set the mtime back); no user tool sets a
    file's ctime back, and a replaced file gets a new inode."""

    size: int
    mtime_ns: int
    ctime_ns: int | None
    inode: int | None

    @classmethod
    def of(cls, stat: os.stat_result) -> Sighting:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino % 2**63)


def file_hash(path: Path) -> str:
    """A submission's identity: the SHA-256 of its bytes (CONTRACT §2)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def known_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select file_hash from raw.ingested_files").fetchall()}


def sightings(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Sighting, str]]:
    rows = con.execute("select source_file, file_size, mtime_ns, ctime_ns, inode, file_hash from raw.file_sightings")
    return {
        path: (Sighting(size, mtime, ctime, inode), digest)
        for path, size, mtime, ctime, inode, digest in rows.fetchall()
    }


def seen_unchanged(seen: tuple[Sighting, str] | None, stat: os.stat_result, known: set[str]) -> bool:
    """The file has the size, mtime, ctime and inode it had when last seen, and that content was
    ingested (a sighting from before ctime and inode were kept never matches: hashed once more)."""
    return bool(seen) and seen[0] == Sighting.of(stat) and seen[1] in known
