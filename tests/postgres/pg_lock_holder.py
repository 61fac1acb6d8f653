"""A separate process (another p06 host) that takes the PostgreSQL writer lock and holds it
until its stdin closes.

    python pg_lock_holder.py POSTGRES_URL
"""

import sys

from orchestration.postgres.lock import postgres_writer_lock
from orchestration.postgres.target import PostgresTarget


def main(url: str) -> None:
    with postgres_writer_lock(PostgresTarget.from_url(url), timeout_seconds=30):
        print("acquired", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main(*sys.argv[1:])
