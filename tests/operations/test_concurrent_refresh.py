"""Two writers at once (CONTRACT §7): a second `p06 refresh` waits for the first, or gives up with
exit 1 naming the lock; either way the warehouse stays whole."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from operations_support import OutputLines, wait_until

P06 = str(Path(sys.executable).with_name("p06"))
HOLDER = Path(__file__).with_name("lock_holder.py")
SUBMISSION = (
    "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n"
    "01,2024-Q1,VNEID_ISSUED,1000\n"
    "01,2024-Q1,VNEID_ACTIVATED,800\n"
)


@pytest.fixture
def raw_file(warehouse_paths) -> Path:
    path = warehouse_paths.raw_dir / "ha-noi-2024-q1.csv"
    path.write_text(SUBMISSION, encoding="utf-8")
    return path


def start_refresh(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen([P06, "refresh"], env=env, stdout=output, stderr=subprocess.STDOUT)


def files_line(output: str) -> dict[str, int]:
    """`files  : 1 seen, 1 ingested, 0 skipped, 0 rejected` as numbers."""
    match = re.search(r"files\s*:\s*(.+)", output)
    assert match, output
    return {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", match.group(1))}


def test_a_second_refresh_waits_for_the_first_and_the_file_is_ingested_once(
    warehouse_paths, p06_env, raw_file, tmp_path
):
    first = start_refresh(p06_env, tmp_path / "first.log")
    wait_until(
        lambda: warehouse_paths.lock_file.exists() and warehouse_paths.lock_file.read_text() == str(first.pid),
        timeout=60, what="the first refresh to take the warehouse lock",
    )
    second = start_refresh(p06_env, tmp_path / "second.log")

    assert first.wait(timeout=240) == 0, (tmp_path / "first.log").read_text()
    assert second.wait(timeout=240) == 0, (tmp_path / "second.log").read_text()

    first_files = files_line((tmp_path / "first.log").read_text())
    second_files = files_line((tmp_path / "second.log").read_text())
    assert (first_files["ingested"], first_files["skipped"]) == (1, 0)
    assert (second_files["ingested"], second_files["skipped"]) == (0, 1)
    with duckdb.connect(str(warehouse_paths.published_db), read_only=True) as con:
        values = con.execute(
            "select indicator_code, value from marts.fct_indicator_value order by indicator_code"
        ).fetchall()
    assert values == [("VNEID_ACTIVATED", 800.0), ("VNEID_ISSUED", 1000.0)]


def test_a_refresh_that_cannot_get_the_lock_exits_1_naming_it_and_touches_nothing(
    warehouse_paths, p06_env, raw_file, tmp_path
):
    holder = subprocess.Popen(
        [sys.executable, str(HOLDER), str(warehouse_paths.lock_file), str(tmp_path / "events.log"), "holder"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        OutputLines(holder.stdout).wait_for("acquired", timeout=10)
        refresh = subprocess.run(
            [P06, "refresh"], env={**p06_env, "P06_LOCK_TIMEOUT_SECONDS": "1"},
            capture_output=True, text=True, timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()

    assert refresh.returncode == 1, refresh.stdout + refresh.stderr
    assert str(warehouse_paths.lock_file) in refresh.stdout
    assert "P06_LOCK_TIMEOUT_SECONDS" in refresh.stdout
    summary = json.loads(warehouse_paths.last_refresh.read_text())
    assert summary["status"] == "failed"
    assert str(warehouse_paths.lock_file) in summary["error"]
    assert not warehouse_paths.work_db.exists()
    assert not warehouse_paths.published_db.exists()
    assert raw_file.read_text(encoding="utf-8") == SUBMISSION
