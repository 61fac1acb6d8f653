"""warehouse_lock across real processes: one holder at a time, a clear message, no stale locks."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from operations_support import OutputLines

from orchestration.operations.lock import WarehouseBusy, warehouse_lock

HOLDER = Path(__file__).with_name("lock_holder.py")


@dataclass
class Holder:
    """A process that takes the lock and keeps it until its stdin is closed."""

    process: subprocess.Popen
    output: OutputLines

    def release(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=10) == 0


@pytest.fixture
def lock_file(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "refresh.lock"


@pytest.fixture
def start_holder(lock_file: Path, tmp_path: Path):
    started: list[subprocess.Popen] = []

    def start(name: str) -> Holder:
        process = subprocess.Popen(
            [sys.executable, str(HOLDER), str(lock_file), str(tmp_path / "events.log"), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return Holder(process, OutputLines(process.stdout))

    yield start
    for process in started:
        process.kill()
        process.wait()


def test_a_second_writer_gives_up_naming_the_lock_and_its_holder(start_holder, lock_file):
    holder = start_holder("first")
    holder.output.wait_for("acquired", timeout=10)

    with pytest.raises(WarehouseBusy) as busy, warehouse_lock(lock_file, timeout_seconds=0.3):
        pytest.fail("took a lock another process holds")

    message = str(busy.value)
    assert str(lock_file) in message
    assert f"pid {holder.process.pid}" in message
    assert "P06_LOCK_TIMEOUT_SECONDS" in message


def test_a_waiting_writer_gets_the_lock_only_after_the_holder_releases_it(start_holder, tmp_path):
    first = start_holder("first")
    first.output.wait_for("acquired", timeout=10)
    second = start_holder("second")
    second.output.wait_for("waiting", timeout=10)

    first.release()
    second.output.wait_for("acquired", timeout=10)
    second.release()

    events = (tmp_path / "events.log").read_text().splitlines()
    assert events == ["first acquired", "first releasing", "second acquired", "second releasing"]


def test_a_killed_holder_leaves_no_stale_lock(start_holder, lock_file):
    holder = start_holder("crashing")
    holder.output.wait_for("acquired", timeout=10)
    holder.process.kill()
    holder.process.wait()

    with warehouse_lock(lock_file, timeout_seconds=5):
        assert lock_file.read_text() == str(os.getpid())
