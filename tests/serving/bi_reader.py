"""A BI client in its own process, running a dashboard query against the served p06.duckdb.

    python bi_reader.py CLIENT DB_FILE QUERY_FILE

CLIENT is `cli` (the DuckDB command line, `duckdb -readonly`), `python` (duckdb.connect with
read_only=True) or `sqlalchemy` (duckdb-engine, read-only, no connection pool: what BI servers
such as Superset use). Each query opens a new read-only connection, as a dashboard refresh does,
and prints one line: the MD5 of its result, or `ERROR <message>`. It runs a query every
QUERY_INTERVAL_SECONDS until stdin closes.

CLIENT `python-held` opens one connection and keeps it; it runs the query once at start and again
for every line read from stdin.
"""

from __future__ import annotations

import hashlib
import select
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

# A busy dashboard, without starving the refresh it runs beside on a 2-core machine.
QUERY_INTERVAL_SECONDS = 0.05


def _with_cli(db: str, query: str) -> str:
    duckdb_cli = shutil.which("duckdb", path=str(Path(sys.executable).parent)) or "duckdb"
    done = subprocess.run([duckdb_cli, "-readonly", "-csv", db, "-c", query], capture_output=True, text=True)
    if done.returncode != 0 or done.stderr:
        raise RuntimeError(done.stderr.strip() or f"duckdb exited {done.returncode}")
    return done.stdout


def _with_python(db: str, query: str) -> str:
    con = duckdb.connect(db, read_only=True)
    try:
        return repr(con.execute(query).fetchall())
    finally:
        con.close()


def _with_sqlalchemy(db: str, query: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(f"duckdb:///{db}", connect_args={"read_only": True}, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return repr([tuple(row) for row in connection.execute(text(query))])
    finally:
        engine.dispose()


CLIENTS: dict[str, Callable[[str, str], str]] = {
    "cli": _with_cli,
    "python": _with_python,
    "sqlalchemy": _with_sqlalchemy,
}


def _report(result: Callable[[], str]) -> None:
    try:
        line = hashlib.md5(result().encode()).hexdigest()
    except Exception as exc:  # the test asserts there are none, so show what it was
        line = f"ERROR {type(exc).__name__}: {exc}".replace("\n", " ")
    print(line, flush=True)


def _stdin_closed(wait: float) -> bool:
    """Whether stdin closed, waiting up to `wait` seconds for it to."""
    readable, _, _ = select.select([sys.stdin], [], [], wait)
    return bool(readable) and not sys.stdin.readline()


def main(client: str, db: str, query_file: str) -> None:
    query = Path(query_file).read_text(encoding="utf-8")
    if client == "python-held":
        con = duckdb.connect(db, read_only=True)
        _report(lambda: repr(con.execute(query).fetchall()))
        for _ in sys.stdin:
            _report(lambda: repr(con.execute(query).fetchall()))
        return
    while True:
        _report(lambda: CLIENTS[client](db, query))
        if _stdin_closed(QUERY_INTERVAL_SECONDS):
            return


if __name__ == "__main__":
    main(*sys.argv[1:])
