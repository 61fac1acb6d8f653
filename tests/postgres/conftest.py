"""A real PostgreSQL server for the tests, started by the session itself.

`initdb` into a temporary directory (owned by the `postgres` user when the tests run as root:
initdb refuses root), a free port on 127.0.0.1, `pg_ctl start -w`, a password-protected
superuser; `pg_ctl stop -m fast` at the end. Each test gets a database of its own.
The server binaries come from the Debian `postgresql` package (`make system-deps`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest

from orchestration.postgres.target import PostgresTarget

SERVER_USER = "postgres"  # the OS account that owns the cluster when we run as root
SUPERUSER = "p06_test"
# Durability is irrelevant for a throw-away cluster; these settings make it start and write fast.
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def target(self, dbname: str = "postgres") -> PostgresTarget:
        return PostgresTarget(self.host, self.port, self.user, self.password, dbname)


def _server_bindir() -> Path:
    """P06_PG_BINDIR, else the newest Debian server (initdb is not on PATH there), else PATH."""
    override = os.environ.get("P06_PG_BINDIR")
    debian = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    on_path = shutil.which("initdb")
    candidates = [Path(override)] if override else [*debian, *([Path(on_path).parent] if on_path else [])]
    for bindir in candidates:
        if (bindir / "initdb").exists():
            return bindir
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
        "or on PATH: run `make system-deps` (installs the Debian package postgresql) "
        "or set P06_PG_BINDIR"
    )


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if _running_as_root() else command


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], cwd: Path, log: Path | None = None) -> None:
    done = subprocess.run(_as_server_user(command), cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}{server_log}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _server_bindir()
    base = Path(tempfile.mkdtemp(prefix="p06-pg-"))
    data, log, pwfile = base / "data", base / "server.log", base / "pwfile"
    password = uuid.uuid4().hex
    pwfile.write_text(password + "\n")
    if _running_as_root():
        for path in (base, pwfile):
            shutil.chown(path, SERVER_USER, SERVER_USER)
    port = _free_port()
    _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        cwd=base,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} {SERVER_OPTIONS}"
    _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"], base, log)
    try:
        yield PostgresServer("127.0.0.1", port, SUPERUSER, password)
    finally:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], base, log)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def fresh_database(server: PostgresServer) -> Iterator[PostgresTarget]:
    """A new, empty database on `server`, dropped afterwards."""
    dbname = f"p06_{uuid.uuid4().hex[:12]}"
    _admin(server, f"create database {dbname}")
    try:
        yield server.target(dbname)
    finally:
        _admin(server, f"drop database {dbname} with (force)")


@pytest.fixture(scope="session")
def new_database(postgres_server: PostgresServer):
    """For fixtures wider than one test: `with new_database() as target: ...`."""
    return lambda: fresh_database(postgres_server)


@pytest.fixture
def pg_target(postgres_server: PostgresServer) -> Iterator[PostgresTarget]:
    """A database of its own for one test."""
    with fresh_database(postgres_server) as target:
        yield target


def _admin(server: PostgresServer, statement: str) -> None:
    conn = psycopg2.connect(**server.target().connect_kwargs())
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


@pytest.fixture
def pg_url(pg_target: PostgresTarget) -> str:
    """pg_target as the P06_WAREHOUSE_URL a host would be given."""
    t = pg_target
    return f"postgresql://{quote(t.user)}:{quote(t.password)}@{t.host}:{t.port}/{t.dbname}"


@pytest.fixture
def pg_conn(pg_target: PostgresTarget):
    conn = pg_target.connect()
    yield conn
    conn.close()
