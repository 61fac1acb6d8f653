"""The event log `p06 refresh` writes through: Dagster's own SQLite files, read back by Dagster's own storage."""

from __future__ import annotations

import time

from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.operations.event_log import EngineReusingSqliteEventLogStorage


def _entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=20,
        user_message=message,
        run_id=run_id,
        timestamp=time.time(),
        step_key=None,
        job_name="refresh",
        dagster_event=None,
    )


def test_events_written_by_two_processes_storages_are_read_back_in_order_by_dagsters_own(tmp_path):
    ours, other_writer = EngineReusingSqliteEventLogStorage(str(tmp_path)), SqliteEventLogStorage(str(tmp_path))
    for index in range(5):
        ours.store_event(_entry("run-1", f"ours {index}"))
        other_writer.store_event(_entry("run-1", f"other {index}"))
    ours.store_event(_entry("run-2", "a second run"))

    reader = SqliteEventLogStorage(str(tmp_path))
    assert [entry.user_message for entry in reader.get_logs_for_run("run-1")] == [
        f"{who} {index}" for index in range(5) for who in ("ours", "other")
    ]
    assert [entry.user_message for entry in reader.get_logs_for_run("run-2")] == ["a second run"]
    assert [entry.user_message for entry in ours.get_logs_for_run("run-1")][-1] == "other 4"
