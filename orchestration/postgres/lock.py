"""One p06 host writing a PostgreSQL warehouse at a time.

The warehouse lock (operations/lock.py) is a file: it keeps apart two refreshes of one warehouse
dir, not two hosts whose P06_WAREHOUSE_URL names the same database. This session-level advisory
lock does. It lives as long as the refresh's lock connection, so a host that dies mid-refresh
releases it when the server drops the connection.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg2 import errors

from orchestration.operations.lock import WarehouseBusy
from orchestration.postgres.target import PostgresTarget

LOCK_KEY = int.from_bytes(b"p06w", "big")  # fits one int4 advisory key: classid 0, objid LOCK_KEY

HOLDER_SQL = """
select a.application_name, host(a.client_addr), a.backend_start
from pg_locks l join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = %s and l.objsubid = 2
"""


@contextmanager
def postgres_writer_lock(target: PostgresTarget, timeout_seconds: float) -> Iterator[None]:
    conn = target.connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            # how the holder shows in pg_stat_activity, hence in the message another host gets
            cur.execute("set application_name = %s", [f"p06 refresh on {socket.gethostname()} pid {os.getpid()}"])
            # lock_timeout = 0 would mean "wait forever": wait at least a millisecond
            timeout = f"{max(1, round(timeout_seconds * 1000))}ms"
            cur.execute("select set_config('lock_timeout', %s, false)", [timeout])
            try:
                cur.execute("select pg_advisory_lock(0, %s)", [LOCK_KEY])
            except errors.LockNotAvailable:
                raise WarehouseBusy(
                    f"another p06 refresh is writing PostgreSQL database {target.dbname} on "
                    f"{target.host}:{target.port} ({_holder(cur)}); gave up after waiting "
                    f"{timeout_seconds:g} s (set P06_LOCK_TIMEOUT_SECONDS to wait longer)"
                ) from None
        yield
    finally:
        conn.close()  # ending the session releases the lock


def _holder(cur) -> str:
    cur.execute(HOLDER_SQL, [LOCK_KEY])
    row = cur.fetchone()
    if row is None:
        return "holder gone"
    name, address, since = row
    connected = since.isoformat(timespec="seconds")
    return f"{name or 'unknown'} from {address or 'a local socket'}, connected since {connected}"
