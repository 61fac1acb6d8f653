"""The event log every process of the instance writes through (orchestration/dagster.yaml's
instance class, `p06 refresh`): Dagster's own SQLite files, read back by Dagster's own storage."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
)
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from operations_support import wait_until

from orchestration.operations.event_log import INSTANCE_CLASS_OVERRIDE, EngineReusingSqliteEventLogStorage, EventWriter

DAGSTER_YAML = Path(__file__).resolve().parents[2] / "orchestration" / "dagster.yaml"


def _entry(run_id: str, message: str, dagster_event: DagsterEvent | None = None) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=20,
        user_message=message,
        run_id=run_id,
        timestamp=time.time(),
        step_key=None,
        job_name="refresh",
        dagster_event=dagster_event,
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


@pytest.mark.parametrize("dagster_yaml", ["the project's", "one from before the instance class"])
def test_every_process_opening_the_home_writes_through_the_storage_on_dagsters_files(
    tmp_path, dagster_yaml, monkeypatch
):
    home, elsewhere = tmp_path / "home", tmp_path / "another_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(elsewhere))  # the instance follows the home it opens, not this
    if dagster_yaml == "the project's":
        shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
        ref = InstanceRef.from_dir(str(home))
    else:  # what `p06 refresh` does with such a home
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        ref = InstanceRef.from_dir(str(home), overrides=INSTANCE_CLASS_OVERRIDE)

    # a run's process (the warm worker's child, a code server) rebuilds it from the serialized ref
    with DagsterInstance.from_ref(InstanceRef.from_dict(ref.to_dict())) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, EngineReusingSqliteEventLogStorage)
        assert Path(storage._base_dir) == home / "history" / "runs"
    assert not elsewhere.exists()


@asset
def submissions() -> None: ...


@asset(deps=[submissions])
def marts() -> None: ...


@asset_check(asset=marts)
def marts_have_rows() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


@asset_check(asset=marts)
def marts_keys_unique() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def _refresh_job():
    return Definitions(
        assets=[submissions, marts],
        asset_checks=[marts_have_rows, marts_keys_unique],
        jobs=[define_asset_job("refresh")],
    ).resolve_job_def("refresh")


def _new_run_as_read_by_dagsters_default(home: Path, dagster_yaml: str) -> dict:
    """A run created (not executed) in `home`: what Dagster's default storage reads back of its
    planned assets and checks (the UI's "planned" and "executing" marks)."""
    home.mkdir()
    (home / "dagster.yaml").write_text(dagster_yaml)
    with DagsterInstance.from_config(str(home)) as writer:
        run = writer.create_run_for_job(_refresh_job(), run_id="5eed0000-0000-0000-0000-000000000001")
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home), config_filename="none.yaml")) as reader:
        events = reader.all_logs(run.run_id)
        return {
            "events": [(e.dagster_event_type, e.dagster_event.asset_key, e.step_key) for e in events],
            "planned": {
                k.to_user_string(): reader.get_latest_planned_materialization_info(k).run_id
                for k in [AssetKey("submissions"), AssetKey("marts")]
            },
            "checks": {
                key.name: [r.status for r in reader.event_log_storage.get_asset_check_execution_history(key, limit=5)]
                for check in (marts_have_rows, marts_keys_unique)
                for key in check.check_keys
            },
        }


def _schema(path: Path) -> tuple:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return (
            sorted(con.execute("select type, name, tbl_name, sql from sqlite_master").fetchall()),
            con.execute("select version_num from alembic_version").fetchall(),
            con.execute("pragma journal_mode").fetchall(),
        )


def test_a_new_runs_file_made_aside_is_dagsters_own_and_a_file_already_there_is_kept(tmp_path):
    ours, dagsters = EngineReusingSqliteEventLogStorage(str(tmp_path)), SqliteEventLogStorage(str(tmp_path))
    ours.store_event(_entry("run-1", "ours"))
    dagsters.store_event(_entry("run-2", "dagster's"))
    assert _schema(tmp_path / "run-1.db") == _schema(tmp_path / "run-2.db")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["index.db", "run-1.db", "run-2.db"]
    # made by another process meanwhile: written into as it is
    dagsters.store_event(_entry("run-3", "first"))
    ours.store_event(_entry("run-3", "second"))
    assert [entry.user_message for entry in dagsters.get_logs_for_run("run-3")] == ["first", "second"]


def test_a_new_runs_planned_events_written_as_one_batch_read_back_as_dagsters_own_writes(tmp_path):
    ours = _new_run_as_read_by_dagsters_default(tmp_path / "ours", DAGSTER_YAML.read_text())
    dagsters = _new_run_as_read_by_dagsters_default(tmp_path / "dagsters", "telemetry:\n  enabled: false\n")
    assert ours == dagsters
    assert len(ours["events"]) == 4  # two assets, two checks planned
    assert set(ours["planned"].values()) == {"5eed0000-0000-0000-0000-000000000001"}


def test_a_run_with_asset_checks_executes_through_the_instance_and_reads_back(tmp_path):
    shutil.copyfile(DAGSTER_YAML, tmp_path / "dagster.yaml")
    results = []

    def execute() -> None:
        with DagsterInstance.from_config(str(tmp_path)) as instance:
            results.append(_refresh_job().execute_in_process(instance=instance).success)

    # A storage lock taken twice hangs the run: a thread, so the test fails instead of hanging.
    runner = threading.Thread(target=execute, daemon=True)
    runner.start()
    runner.join(timeout=120)
    assert results == [True]
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path), config_filename="none.yaml")) as reader:
        for check in (marts_have_rows, marts_keys_unique):
            for key in check.check_keys:
                (latest,) = reader.event_log_storage.get_asset_check_execution_history(key, limit=5)
                assert latest.status == AssetCheckExecutionRecordStatus.SUCCEEDED


def _run_event(run_id: str, event_type: DagsterEventType) -> EventLogEntry:
    return _entry(run_id, event_type.value, DagsterEvent(event_type.value, "refresh"))


def test_events_written_behind_are_stored_in_order_before_a_read_or_a_run_status_and_at_the_end(tmp_path):
    ours, dagsters = EngineReusingSqliteEventLogStorage(str(tmp_path)), SqliteEventLogStorage(str(tmp_path))
    with ours.writing_behind():
        for index in range(30):
            ours.store_event(_entry("run-1", f"step event {index}"))
        # a read in the run's process sees every event before it
        assert len(ours.get_logs_for_run("run-1")) == 30
        ours.store_event(_entry("run-1", "after the read"))
        # a run status event is stored (and so every event before it) before Dagster updates the run
        ours.store_event(_run_event("run-1", DagsterEventType.RUN_SUCCESS))
        assert len(dagsters.get_logs_for_run("run-1")) == 32
        ours.store_event(_entry("run-1", "the last one"))
    assert [entry.user_message for entry in dagsters.get_logs_for_run("run-1")] == [
        *(f"step event {index}" for index in range(30)),
        "after the read",
        "PIPELINE_SUCCESS",
        "the last one",
    ]


def test_events_written_behind_reach_the_uis_live_log_and_asset_reads_while_the_run_still_writes(tmp_path):
    ours, webserver = EngineReusingSqliteEventLogStorage(str(tmp_path)), SqliteEventLogStorage(str(tmp_path))
    live_log: list[str] = []

    def follow(entry: EventLogEntry, _cursor: str) -> None:
        live_log.append(entry.user_message)

    with ours.writing_behind():
        ours.store_event(_entry("run-1", "the run's first event"))
        ours.get_logs_for_run("run-1")  # stored: the run's file exists, as when the UI opens a run
        # how the UI follows a run: Dagster's watch on the run's own file
        webserver.watch("run-1", None, follow)
        try:
            ours.store_event(_entry("run-1", "a step's log line"))
            materialized = AssetMaterialization(asset_key="marts")
            ours.store_event(
                _entry(
                    "run-1",
                    "marts materialized",
                    DagsterEvent(
                        DagsterEventType.ASSET_MATERIALIZATION.value,
                        "refresh",
                        event_specific_data=StepMaterializationData(materialized),
                    ),
                )
            )
            wait_until(lambda: "marts materialized" in live_log, timeout=30, what="the UI's live log")
            # the asset's page (index.db), read by another process's storage
            latest = webserver.get_latest_materialization_events([AssetKey("marts")])[AssetKey("marts")]
            assert latest is not None and latest.user_message == "marts materialized"
        finally:
            webserver.end_watch("run-1", follow)
            webserver.dispose()
    assert live_log == ["the run's first event", "a step's log line", "marts materialized"]


def test_the_event_writer_stores_one_by_one_when_a_batch_fails_and_reports_the_failure():
    stored = []

    def store(events):
        if any(event.user_message == "broken" for event in events):
            raise OSError("disk full")
        stored.extend(event.user_message for event in events)

    writer = EventWriter(store)
    try:
        for message in ("a", "broken", "b"):
            writer.put(_entry("run-1", message))
        with pytest.raises(OSError, match="disk full"):
            writer.flush()
        writer.put(_entry("run-1", "c"))
    finally:
        writer.close()
    assert stored == ["a", "b", "c"]


def _events_of_a_run(home: Path, behind: bool) -> list:
    home.mkdir()
    shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    results = []

    def execute() -> None:
        with DagsterInstance.from_config(str(home)) as instance, _written_behind(instance, behind):
            run_id = _refresh_job().execute_in_process(instance=instance).run_id
        with DagsterInstance.from_ref(InstanceRef.from_dir(str(home), config_filename="none.yaml")) as reader:
            results.append([(e.dagster_event_type, e.step_key) for e in reader.all_logs(run_id)])

    runner = threading.Thread(target=execute, daemon=True)  # a lock taken twice fails the test, not hangs it
    runner.start()
    runner.join(timeout=120)
    (events,) = results
    return events


def _written_behind(instance: DagsterInstance, behind: bool) -> contextlib.AbstractContextManager:
    return instance.event_log_storage.writing_behind() if behind else contextlib.nullcontext()


def test_a_run_written_behind_reads_back_as_one_written_step_by_step(tmp_path):
    behind = _events_of_a_run(tmp_path / "behind", behind=True)
    assert behind == _events_of_a_run(tmp_path / "step_by_step", behind=False)
    assert behind[-1] == (DagsterEventType.RUN_SUCCESS, None)
    assert [kind for kind, _ in behind].count(DagsterEventType.ASSET_CHECK_EVALUATION) == 2
