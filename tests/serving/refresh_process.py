"""`p06` and other programs as real child processes: follow their output line by line, kill them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

P06 = Path(sys.executable).with_name("p06")
TIMEOUT_SECONDS = 300


def p06_env() -> dict[str, str]:
    """The caller's environment minus p06 and Dagster settings: flags say where to work."""
    return {key: value for key, value in os.environ.items() if not key.startswith("P06_") and key != "DAGSTER_HOME"}


def refresh_args(raw_dir: Path, warehouse_dir: Path, *flags: str) -> list[str]:
    return ["refresh", "--raw-dir", str(raw_dir), "--warehouse-dir", str(warehouse_dir), *flags]


def run_p06(*args: str, timeout: float = TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    """Run p06 to the end; stdout and stderr interleaved in `.stdout`."""
    return subprocess.run(
        [str(P06), *args],
        env=p06_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


def run_refresh(raw_dir: Path, warehouse_dir: Path, *flags: str) -> subprocess.CompletedProcess:
    return run_p06(*refresh_args(raw_dir, warehouse_dir, *flags))


def assert_published(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"refresh exited {result.returncode}:\n{result.stdout}"


def poll_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Check `condition` every few milliseconds until it holds; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.002)


class LoggedProcess:
    """A child in its own process group whose output (stdout + stderr) is collected as written.

    Used as a context manager, it is killed on exit if still running, so a failing test leaves
    nothing behind.
    """

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            argv,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._ended = False
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def __enter__(self) -> LoggedProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            self.kill()

    def _collect(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, *, after: int = 0, timeout: float = TIMEOUT_SECONDS) -> str:
        """The first line from index `after` on matching `pattern`; fails if the output ends first."""
        regex = re.compile(pattern)

        def found() -> str | None:
            return next((line for line in self.lines[after:] if regex.search(line)), None)

        with self._changed:
            self._changed.wait_for(lambda: found() or self._ended, timeout)
            line = found()
        if line is None:
            raise AssertionError(f"{self.process.args[:2]} never printed /{pattern}/; its output:\n{self.output}")
        return line

    def send_line(self, text: str = "") -> None:
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def close_stdin(self) -> None:
        self.process.stdin.close()

    def kill(self) -> None:
        """SIGKILL to the whole process group: the program and every child it started."""
        assert self.process.poll() is None, f"{self.process.args[:2]} ended before the kill:\n{self.output}"
        os.killpg(self.process.pid, signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float = TIMEOUT_SECONDS) -> int:
        code = self.process.wait(timeout)
        self._reader.join()
        return code


def start_refresh(raw_dir: Path, warehouse_dir: Path, *flags: str) -> LoggedProcess:
    return LoggedProcess([str(P06), *refresh_args(raw_dir, warehouse_dir, *flags)], env=p06_env())
