"""A separate process that takes the warehouse lock, logs it, and holds it until stdin closes.

python lock_holder.py LOCK_FILE EVENT_LOG NAME
"""

import sys
from pathlib import Path

from orchestration.operations.lock import warehouse_lock


def log(event_log: Path, line: str) -> None:
    with event_log.open("a") as handle:
        handle.write(line + "\n")


def main(lock_file: str, event_log: str, name: str) -> None:
    print("waiting", flush=True)
    with warehouse_lock(Path(lock_file), timeout_seconds=60):
        log(Path(event_log), f"{name} acquired")
        print("acquired", flush=True)
        sys.stdin.read()
        log(Path(event_log), f"{name} releasing")


if __name__ == "__main__":
    main(*sys.argv[1:])
