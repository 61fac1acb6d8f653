"""One writer at a time: an exclusive lock on the warehouse held for a whole refresh.

DuckDB has no waiting of its own (a second writer fails at once with "Could not set lock on
file"), so every refresh, whichever way it started, takes this lock first. The lock is filelock's
native flock (released by the kernel when the holder dies); the holder writes its pid into the
lock file so a writer that gives up can name it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import Timeout, UnixFileLock

DEFAULT_TIMEOUT_SECONDS = 3600
_POLL_SECONDS = 0.2


class WarehouseBusy(RuntimeError):
    """Another refresh kept the warehouse lock longer than we were willing to wait."""


@contextmanager
def warehouse_lock(lock_file: Path, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # thread_local=False: the process holds the lock, as fcntl did, whichever thread releases it.
    lock = UnixFileLock(lock_file, thread_local=False, poll_interval=_POLL_SECONDS, on_acquired=_write_holder)
    try:
        lock.acquire(timeout=timeout_seconds)
    except Timeout:
        raise WarehouseBusy(
            f"another refresh holds {lock_file} (pid {_holder(lock_file)}); "
            f"gave up after waiting {timeout_seconds:g} s "
            "(set P06_LOCK_TIMEOUT_SECONDS to wait longer)"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _write_holder(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)


def _holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text().strip() or "unknown"
    except OSError:
        return "unknown"
