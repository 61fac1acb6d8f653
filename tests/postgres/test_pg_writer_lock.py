"""Two p06 hosts, one PostgreSQL warehouse: one refresh writes at a time, the other says who."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.operations.lock import WarehouseBusy
from orchestration.postgres.lock import postgres_writer_lock
from orchestration.settings import REPO_ROOT, WarehousePaths

HOLDER = Path(__file__).with_name("pg_lock_holder.py")
P06 = str(Path(sys.executable).parent / "p06")


@pytest.fixture
def other_host(pg_url):
    """Another host's refresh holding the writer lock of pg_target's database."""
    process = subprocess.Popen(
        [sys.executable, str(HOLDER), pg_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "acquired"
    yield process
    process.kill()
    process.wait()


def test_a_second_writer_gives_up_naming_the_database_and_the_holder(pg_target, other_host):
    with pytest.raises(WarehouseBusy) as busy, postgres_writer_lock(pg_target, timeout_seconds=0.5):
        pytest.fail("took the lock another host holds")

    message = str(busy.value)
    assert f"PostgreSQL database {pg_target.dbname} on {pg_target.host}:{pg_target.port}" in message
    assert f"pid {other_host.pid}" in message
    assert "P06_LOCK_TIMEOUT_SECONDS" in message
    assert pg_target.password not in message


def test_the_lock_passes_on_when_the_holder_releases_it_or_dies(pg_target, pg_url, other_host):
    other_host.stdin.close()
    assert other_host.wait(timeout=10) == 0
    with postgres_writer_lock(pg_target, timeout_seconds=10):
        pass

    crashed = subprocess.Popen(
        [sys.executable, str(HOLDER), pg_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert crashed.stdout.readline().strip() == "acquired"
    crashed.kill()  # the server ends the session when the connection drops: no stale lock
    crashed.wait()
    with postgres_writer_lock(pg_target, timeout_seconds=10):
        pass


def test_a_refresh_while_another_host_writes_fails_and_publishes_nothing(pg_target, pg_url, other_host, tmp_path):
    paths = WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    (paths.raw_dir / "real").mkdir(parents=True)
    for source in sorted((REPO_ROOT / "raw" / "real").iterdir())[:2]:
        (paths.raw_dir / "real" / source.name).write_bytes(source.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("P06_") and k != "DAGSTER_HOME"}
    env |= {"P06_WAREHOUSE_URL": pg_url, "P06_LOCK_TIMEOUT_SECONDS": "1"}

    result = subprocess.run(
        [P06, "refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(paths.last_refresh.read_text())
    assert summary["status"] == "failed"
    assert f"another p06 refresh is writing PostgreSQL database {pg_target.dbname}" in summary["error"]
    assert summary["tables_published"] == []
    conn = pg_target.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from information_schema.schemata where schema_name in ('marts', 'raw')")
            assert cur.fetchone() == (0,)
    finally:
        conn.close()
