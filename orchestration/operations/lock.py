"""One writer at a time: an exclusive lock on the warehouse held for a whole refresh.

DuckDB has no waiting of its own (a second writer fails at once with "Could not set lock on
file"), so every refresh, whichever way it started, takes this lock first.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DEFAULT_TIMEOUT_SECONDS = 3600.0
_POLL_SECONDS = 0.2


class WarehouseBusy(RuntimeError):
    """Another refresh kept the warehouse lock longer than we were willing to wait."""


@contextmanager
def warehouse_lock(lock_file: Path, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another refresh holds {lock_file} (pid {_holder(lock_file)}); "
                        f"gave up after waiting {timeout_seconds:g} s "
                        "(set P06_LOCK_TIMEOUT_SECONDS to wait longer)"
                    ) from None
                time.sleep(_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process dies


def _holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text().strip() or "unknown"
    except OSError:
        return "unknown"
