"""`p06 refresh` failing before its Dagster run exists (issue 14): a mistyped raw dir, broken
settings. Exit 1, a one-line reason, `last_refresh.json` says failed, the run_failure alert
reaches the webhook (with stale_marts when the marts it left are past 26 h), nothing is published; a
traceback goes to the log file the reason names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

P06 = str(Path(sys.executable).parent / "p06")


def refresh(paths, p06_env, webhook, *extra: str) -> subprocess.CompletedProcess:
    env = {**p06_env, "P06_ALERT_WEBHOOK_URL": webhook.url}
    return subprocess.run([P06, "refresh", *extra], env=env, capture_output=True, text=True, timeout=300)


def failure_alerts(webhook) -> list[dict]:
    return [r.body for r in webhook.requests() if r.body["kind"] == "run_failure"]


@pytest.mark.parametrize(
    "make_raw_dir, reason",
    [
        (lambda raw: raw.rmdir(), "does not exist"),
        (lambda raw: (raw.rmdir(), raw.write_text("not a folder")), "is not a directory"),
    ],
)
def test_a_raw_dir_that_is_no_folder_fails_naming_it(make_raw_dir, reason, warehouse_paths, p06_env, webhook):
    make_raw_dir(warehouse_paths.raw_dir)
    result = refresh(warehouse_paths, p06_env, webhook, "--raw-dir", str(warehouse_paths.raw_dir))
    expected = f"raw dir {warehouse_paths.raw_dir} {reason}"
    assert result.returncode == 1
    assert f"error  : {expected}" in result.stdout
    summary = json.loads(warehouse_paths.last_refresh.read_text())
    assert (summary["status"], summary["error"]) == ("failed", expected)
    assert [alert["detail"] for alert in failure_alerts(webhook)] == [expected]
    assert not warehouse_paths.published_db.exists()


def test_broken_settings_give_one_line_and_a_log_with_the_traceback(warehouse_paths, p06_env, webhook):
    warehouse_paths.dagster_home.mkdir(parents=True)
    (warehouse_paths.dagster_home / "dagster.yaml").write_text("run_storage: [unclosed\n")
    (warehouse_paths.raw_dir / "a.csv").write_text("ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n52,2024,VNEID_ISSUED,1\n")
    result = refresh(warehouse_paths, p06_env, webhook)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    summary = json.loads(warehouse_paths.last_refresh.read_text())
    assert summary["status"] == "failed" and "\n" not in summary["error"]
    log = Path(re.search(r"traceback in (\S+)\)", summary["error"])[1])
    assert log.parent == warehouse_paths.warehouse_dir / "logs"
    assert "Traceback (most recent call last)" in log.read_text()
    assert [alert["detail"] for alert in failure_alerts(webhook)] == [summary["error"]]
    assert not warehouse_paths.published_db.exists()


def test_marts_left_stale_by_a_failed_refresh_send_stale_marts_too(warehouse_paths, p06_env, webhook):
    warehouse_paths.warehouse_dir.mkdir()
    with duckdb.connect(str(warehouse_paths.published_db)) as con:
        con.execute("create schema marts; create table marts.dim_province as select '52' as province_code")
    last_publish = time.time() - 27 * 3600
    os.utime(warehouse_paths.published_db, (last_publish, last_publish))
    warehouse_paths.raw_dir.rmdir()

    result = refresh(warehouse_paths, p06_env, webhook)

    assert result.returncode == 1
    by_kind = {request.body["kind"]: request.body for request in webhook.requests()}
    assert sorted(by_kind) == ["run_failure", "stale_marts"]
    stale = by_kind["stale_marts"]
    assert (stale["severity"], stale["title"]) == ("error", "Published marts are 27 hours old")
    assert datetime.fromisoformat(stale["published_at"]).timestamp() == pytest.approx(last_publish, abs=1)
