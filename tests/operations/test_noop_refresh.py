"""A refresh with nothing new is skipped only when the marts published today already hold it all."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from orchestration.ingest.pipeline import ingest_new_files
from orchestration.operations.noop import format_noop, skip_unchanged_refresh, unchanged_files_seen
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.publish.publisher import publish, rollback

# 10:00 in Hà Nội; 23:30 the evening before is 16:30 UTC of the same UTC day
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
EARLIER_TODAY = NOW - timedelta(hours=2)
LAST_NIGHT_LOCAL = datetime(2026, 3, 9, 16, 30, tzinfo=UTC)
# ingest writes naive Hà Nội time: files ingested by the 08:00 publish, and after it
INGESTED_LOCAL, INGESTED_LOCAL_AFTER_PUBLISH = datetime(2026, 3, 10, 7, 30), datetime(2026, 3, 10, 9, 30)
SUBMISSION = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n52,2024,VNEID_ISSUED,{value}\n"
TABLES = ["dim_province", "fct_indicator_value"]


def last_summary(status="published", finished_at=EARLIER_TODAY):
    return {
        "run_id": "run-1",
        "status": status,
        "started_at": (finished_at - timedelta(minutes=1)).isoformat(),
        "finished_at": finished_at.isoformat(),
        "tables_published": TABLES,
        "late_submissions": [
            {
                "province_code": "52",
                "province_name": "Gia Lai",
                "period": "2026-Q3",
                "deadline": (date.today() - timedelta(days=30)).isoformat(),
                "first_submitted_at": None,
            }
        ],
    }


@pytest.fixture
def ingested(warehouse_paths, tmp_path):
    """Two files ingested, marts published, build inputs last changed well before the refresh."""
    (warehouse_paths.raw_dir / "a.csv").write_text(SUBMISSION.format(value=1), encoding="utf-8")
    (warehouse_paths.raw_dir / "b.csv").write_text(SUBMISSION.format(value=2), encoding="utf-8")
    warehouse_paths.warehouse_dir.mkdir()
    with duckdb.connect(str(warehouse_paths.work_db)) as con:
        ingest_new_files(warehouse_paths.raw_dir, con, now=INGESTED_LOCAL)
    warehouse_paths.published_db.write_bytes(b"")
    model = tmp_path / "model.sql"
    model.write_text("select 1", encoding="utf-8")
    os.utime(model, (EARLIER_TODAY.timestamp() - 3600,) * 2)
    return warehouse_paths, [model]


def test_nothing_new_since_todays_publish_counts_the_files_seen(ingested):
    paths, inputs = ingested
    assert unchanged_files_seen(paths, last_summary(), NOW, inputs) == 2


def test_a_file_touched_without_new_content_is_nothing_new(ingested):
    paths, inputs = ingested
    os.utime(paths.raw_dir / "a.csv")
    assert unchanged_files_seen(paths, last_summary(), NOW, inputs) == 2


@pytest.mark.parametrize(
    "change",
    [
        "new file",
        "changed content",
        "gate refused last",
        "failed last",
        "published last night (local day)",
        "no summary",
        "no published marts",
        "dbt project changed",
        "ingested after the publish (killed run)",
    ],
)
def test_refresh_needed(ingested, change):
    paths, inputs = ingested
    previous = last_summary()
    if change == "new file":
        (paths.raw_dir / "c.csv").write_text(SUBMISSION.format(value=3), encoding="utf-8")
    elif change == "changed content":
        (paths.raw_dir / "a.csv").write_text(SUBMISSION.format(value=9), encoding="utf-8")
    elif change == "gate refused last":
        previous = last_summary(status="gate_refused")
    elif change == "failed last":
        previous = last_summary(status="failed")
    elif change == "published last night (local day)":
        previous = last_summary(finished_at=LAST_NIGHT_LOCAL)
    elif change == "no summary":
        previous = None
    elif change == "no published marts":
        paths.published_db.unlink()
    elif change == "dbt project changed":
        os.utime(inputs[0], (NOW.timestamp(),) * 2)
    elif change == "ingested after the publish (killed run)":
        (paths.raw_dir / "c.csv").write_text(SUBMISSION.format(value=3), encoding="utf-8")
        with duckdb.connect(str(paths.work_db)) as con:
            ingest_new_files(paths.raw_dir, con, now=INGESTED_LOCAL_AFTER_PUBLISH)
    assert unchanged_files_seen(paths, previous, NOW, inputs) is None


def test_skipped_refresh_writes_a_published_noop_summary_and_sends_alerts(ingested):
    paths, inputs = ingested
    now = datetime.now(UTC)
    paths.last_refresh.write_text(json.dumps(last_summary(finished_at=now - timedelta(seconds=1))), encoding="utf-8")
    marts_before = paths.published_db.stat().st_mtime_ns

    summary = skip_unchanged_refresh(paths, now, inputs)

    written = json.loads(paths.last_refresh.read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(summary))
    assert (written["status"], written["exit_code"], written["noop"], written["noop_of_run"]) == (
        "published",
        0,
        True,
        "run-1",
    )
    assert written["files"] == {"seen": 2, "ingested": 0, "skipped": 2, "rejected": 0}
    assert written["tables_published"] == TABLES
    assert paths.published_db.stat().st_mtime_ns == marts_before
    sent = [
        json.loads(line) for line in (paths.warehouse_dir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [alert["kind"] for alert in sent] == ["late_submission"]


def test_refresh_not_skipped_while_another_holds_the_warehouse(ingested):
    from orchestration.operations.lock import warehouse_lock

    paths, inputs = ingested
    paths.last_refresh.write_text(json.dumps(last_summary(finished_at=datetime.now(UTC))), encoding="utf-8")
    with warehouse_lock(paths.lock_file, timeout_seconds=0):
        assert skip_unchanged_refresh(paths, build_inputs=inputs) is None


def publish_version(paths, version: int) -> None:
    """Marts tagged with `version` published by run `run-<version>`, as the publish step does."""
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute("create schema if not exists marts")
        for table in PUBLISHED_MARTS:
            con.execute(f"create or replace table marts.{table} as select {version} as version")
    publish(paths, run_id=f"run-{version}")


def test_a_skipped_refresh_says_which_run_is_served_and_when_and_nothing_about_rules(ingested):
    paths, inputs = ingested
    publish_version(paths, 1)
    now = datetime.now(UTC)
    paths.last_refresh.write_text(json.dumps(last_summary(finished_at=now - timedelta(seconds=1))), encoding="utf-8")

    printed = format_noop(skip_unchanged_refresh(paths, now, inputs))

    served = [line for line in printed.splitlines() if "served :" in line]
    assert len(served) == 1 and "run run-1, published " in served[0] and " UTC, snapshot " in served[0]
    assert "2 files seen" in printed
    assert "rule" not in printed and "rolled back" not in printed


def test_after_a_rollback_a_skipped_refresh_names_the_snapshot_served(ingested):
    paths, inputs = ingested
    publish_version(paths, 1)
    publish_version(paths, 2)
    now = datetime.now(UTC)
    paths.last_refresh.write_text(
        json.dumps({**last_summary(finished_at=now - timedelta(seconds=1)), "run_id": "run-2"}), encoding="utf-8"
    )
    restored = rollback(paths)

    summary = skip_unchanged_refresh(paths, now, inputs)

    snapshot_id = restored.stem.removeprefix("p06-")
    assert summary["served"] == {**summary["served"], "snapshot": snapshot_id, "run_id": "run-1", "rolled_back": True}
    assert summary["noop_of_run"] == "run-1"
    printed = format_noop(summary)
    assert "run run-1, published " in printed and f"snapshot {snapshot_id}" in printed
    assert "rolled back: newer snapshots exist" in printed
