"""Helpers for tests that drive real processes: wait for a condition with a deadline, stop cleanly."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.2


def wait_until(condition: Callable[[], T], timeout: float, what: str) -> T:
    """Poll `condition` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(POLL_SECONDS)


class OutputLines:
    """The lines a process writes, read by a thread so a test can wait for one with a deadline."""

    def __init__(self, stream: IO[str]):
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)  # end of output: the process closed it or ended

    def wait_for(self, expected: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if line == expected:
                return
        raise AssertionError(f"no line {expected!r} within {timeout:g} s; saw {self.seen}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_process_group(args: list[str], **popen_kwargs) -> subprocess.Popen:
    """Start `args` in a session of its own, with SIGINT at its default so it can be interrupted.

    A shell that runs jobs in the background starts them with SIGINT ignored, and Python then
    installs no KeyboardInterrupt handler: `dagster dev` would never shut down.
    """
    return subprocess.Popen(
        args,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **popen_kwargs,
    )


def stop_process_group(process: subprocess.Popen, grace_seconds: float = 20) -> None:
    """SIGINT the whole group (graceful shutdown), then SIGKILL whatever is left after the grace."""
    group = process.pid
    _signal_group(group, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_seconds)
    _signal_group(group, signal.SIGKILL)
    process.wait()


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)
