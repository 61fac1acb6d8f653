"""What a refresh reads under the raw dir: every .csv/.xlsx/.json, recursively, and nothing
outside it. Links are followed only to files inside the raw dir; linked folders are not entered.
A submission name that is no file to read (a link that loops, leads nowhere or out of the raw
dir; a FIFO) is a file-level rejection with its reason; a folder not entered is noted.

The no-op check of `p06 refresh` lists the raw dir before anything else: this module works on
strings and `os` calls (5,000 files in well under a second), and imports no reader (pyarrow).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.ingest.records import Rejection

# The formats p06 reads (orchestration/ingest/readers has one reader per suffix).
SUFFIXES = (".csv", ".xlsx", ".json")

_LINK_PROBLEMS = {
    errno.ELOOP: "a file (this symbolic link loops back on itself)",
    errno.ENOENT: "a file (this symbolic link leads to nothing)",
}


@dataclass
class Listing:
    """The files to read, sorted, and what is not read, with the reason."""

    files: list[Path] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)  # submission names that are no file to read
    not_read: list[str] = field(default_factory=list)  # folders not entered, with the reason


def raw_dir_problem(raw_dir: Path) -> str | None:
    """Why raw_dir cannot be listed (a mistyped path must not pass for "no submissions")."""
    if not raw_dir.exists():
        return f"raw dir {raw_dir} does not exist"
    if not raw_dir.is_dir():
        return f"raw dir {raw_dir} is not a directory"
    return None


def list_submissions(raw_dir: Path) -> Listing:
    root = Path(raw_dir).resolve()
    listing = Listing()

    def folder_unreadable(error: OSError) -> None:
        listing.not_read.append(f"{escape_name(error.filename or '')}: folder not read ({error.strerror})")

    prefix = len(str(root)) + 1
    files: list[str] = []
    for folder, folders, names in os.walk(root, onerror=folder_unreadable):
        for name in folders:
            if os.path.islink(os.path.join(folder, name)):
                link = escape_name(os.path.join(folder, name)[prefix:])
                listing.not_read.append(f"{link}: a link to a folder, not entered")
        for name in names:
            if os.path.splitext(name)[1].lower() not in SUFFIXES:
                continue
            path = os.path.join(folder, name)
            try:
                regular = stat.S_ISREG(os.lstat(path).st_mode)
            except OSError:
                regular = False
            if regular:  # the common case, decided by one lstat
                files.append(path)
            elif problem := not_followed(Path(path), root, escape_name(path[prefix:])):
                listing.rejected.append(problem)
            else:
                files.append(path)
    listing.files = [Path(path) for path in sorted(files, key=lambda path: path.split(os.sep))]  # as Paths sort
    return listing


def submission_files(raw_dir: Path) -> list[Path]:
    """The files a refresh reads under raw_dir, sorted."""
    return list_submissions(raw_dir).files


def not_followed(path: Path, root: Path | None, name: str | None = None) -> Rejection | None:
    """Why ``path`` is not read (root None: a link may lead anywhere), None when it is a file to read."""
    from orchestration.ingest.records import Rejection

    name = name or escape_name(str(path))
    if path.is_symlink():
        try:
            path.stat()
        except OSError as error:
            problem = _LINK_PROBLEMS.get(
                error.errno, f"a file (this symbolic link cannot be followed: {error.strerror})"
            )
            return Rejection(name, "link_not_followed", problem)
        if root is not None and not Path(os.path.realpath(path)).is_relative_to(root):
            return Rejection(
                name,
                "link_not_followed",
                "a file inside the raw dir (this symbolic link leads out of it; such links are never followed)",
            )
    if path.exists() and not path.is_file():
        return Rejection(name, "file_unreadable", "a regular file (this is a device, FIFO or socket)")
    return None


def source_name(path: Path, raw_dir: Path) -> str:
    """The file's name as stored: its path under the raw dir, bytes that are not UTF-8 escaped."""
    full, root = str(path), str(raw_dir)
    if full.startswith(root + os.sep):  # what the listing gives: no Path arithmetic per file
        return escape_name(full[len(root) + 1 :])
    return escape_name(path.relative_to(raw_dir).as_posix())


def escape_name(name: str) -> str:
    """A file name as text: undecodable bytes (kept by Python as surrogates) written as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
