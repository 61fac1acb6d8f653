"""The sensor path for real: `make dev` (scripts/dev.sh) with its warm run worker, a file dropped
into the raw dir, its value in the published marts through the spare the worker forked ahead of the
run; the worker killed, the next file still reaches the marts through the code server (the
launcher's fallback); a run terminated, after the code location's sources changed under its spare.

One dev server for the module; its tests run in order, each after the one before's run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef
from operations_support import free_port, start_process_group, stop_process_group, wait_until

from orchestration.operations.run_launcher import SPAWNED, WARM, WORKER_PID_TAG, WORKER_TAG
from orchestration.operations.run_worker import InstanceAhead, sources_state
from orchestration.settings import WarehousePaths

RUN_SECONDS = 600  # one refresh on a shared, loaded 2-core machine: 1 to 3 minutes
WARM_LINE = re.compile(r"run worker: warm, pid (\d+),")
SPARE_LINE = re.compile(r"run worker: spare ready, pid (\d+)")


def submission(period: str, value: int) -> str:
    return f"ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,{period},VNEID_ISSUED,{value}\n"


class DevServer:
    def __init__(self, paths: WarehousePaths, process: subprocess.Popen, log: Path):
        self.paths = paths
        self.process = process
        self.log = log

    @property
    def worker_log(self) -> Path:
        return self.paths.dagster_home / "run_worker.log"

    def warm_workers(self) -> list[int]:
        if self.process.poll() is not None:
            raise AssertionError(f"dev server exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
        return [int(pid) for pid in WARM_LINE.findall(self.worker_text())]

    def worker_text(self) -> str:
        return self.worker_log.read_text() if self.worker_log.exists() else ""

    def spare_of_last_worker(self) -> int | None:
        """The process the last worker forked ahead of the next run, once it imported the code."""
        text = self.worker_text()
        spares = SPARE_LINE.findall(text[text.rfind("run worker: warm") :])
        return int(spares[-1]) if spares else None

    def published_value(self, period: str) -> float | None:
        if not self.paths.published_db.exists():
            return None
        try:
            with duckdb.connect(str(self.paths.published_db), read_only=True) as con:
                row = con.execute(
                    "select value from marts.fct_indicator_value "
                    "where province_code = '01' and period = ? and indicator_code = 'VNEID_ISSUED'",
                    [period],
                ).fetchone()
        except duckdb.Error:  # being replaced by a publish right now
            return None
        return row[0] if row else None

    def run_that_published(self, period: str, dropped_at: datetime):
        """The run, started after `dropped_at`, whose summary (last_refresh.json) says it
        published, and `period`'s value in the marts."""
        try:
            summary = json.loads(self.paths.last_refresh.read_text())
        except (OSError, ValueError):
            return None
        if summary.get("status") != "published" or datetime.fromisoformat(summary["started_at"]) < dropped_at:
            return None
        with DagsterInstance.from_config(str(self.paths.dagster_home)) as instance:
            run = instance.get_run_by_id(summary["run_id"])
            if run is None or self.published_value(period) is None:
                return None
            events = [
                entry.dagster_event.message or ""
                for entry in instance.all_logs(run.run_id, of_type={DagsterEventType.ENGINE_EVENT})
            ]
        return run, events


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory, repo_root, p06_env_for) -> DevServer:
    tmp = tmp_path_factory.mktemp("warm_worker")
    paths = WarehousePaths(raw_dir=tmp / "raw", warehouse_dir=tmp / "warehouse")
    paths.raw_dir.mkdir()
    log = tmp / "dev.log"
    with log.open("w") as output:
        process = start_process_group(
            ["bash", str(repo_root / "scripts" / "dev.sh"), str(free_port())],
            cwd=repo_root,
            env=p06_env_for(paths),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = DevServer(paths, process, log)
    try:
        wait_until(server.warm_workers, timeout=180, what="the warm run worker of `make dev`")
        yield server
    finally:
        stop_process_group(process)


def test_a_file_dropped_into_raw_reaches_the_marts_through_the_warm_worker(dev_server):
    (worker,) = dev_server.warm_workers()
    spare = wait_until(dev_server.spare_of_last_worker, 180, "the worker's spare to import the code location")
    dropped_at = datetime.now(UTC)
    (dev_server.paths.raw_dir / "ha-noi-2024-q1.csv").write_text(submission("2024-Q1", 1000), encoding="utf-8")

    run, events = wait_until(
        lambda: dev_server.run_that_published("2024-Q1", dropped_at), RUN_SECONDS, "the new file's refresh to publish"
    )

    assert dev_server.published_value("2024-Q1") == 1000
    assert run.tags["dagster/sensor_name"] == "raw_inbox_sensor"
    assert run.tags[WORKER_TAG] == WARM
    # The run's process is the spare the worker forked before the drop, its code imported then:
    # the pid Dagster's own event names.
    child = int(run.tags[WORKER_PID_TAG])
    assert child == spare != worker
    assert f"Started process for run (pid: {child})." in events
    assert f"pid {child}: " not in dev_server.worker_text()  # nothing imported again


def test_a_run_whose_warm_worker_died_still_reaches_the_marts(dev_server):
    (worker,) = dev_server.warm_workers()
    os.kill(worker, signal.SIGKILL)
    dropped_at = datetime.now(UTC)
    (dev_server.paths.raw_dir / "ha-noi-2024-q2.csv").write_text(submission("2024-Q2", 1200), encoding="utf-8")

    run, events = wait_until(
        lambda: dev_server.run_that_published("2024-Q2", dropped_at),
        RUN_SECONDS,
        "the refresh of the file after the worker died",
    )

    assert dev_server.published_value("2024-Q2") == 1200
    assert run.tags[WORKER_TAG] == SPAWNED
    assert any("No warm run worker answered" in event for event in events)
    # The launcher started a new worker for the runs after this one.
    new_worker = wait_until(lambda: set(dev_server.warm_workers()) - {worker}, 180, "a new warm run worker")
    assert len(new_worker) == 1


def test_a_warm_run_terminated_is_canceled_and_publishes_nothing(dev_server, repo_root):
    wait_until(dev_server.warm_workers, 180, "a warm run worker")
    spare = wait_until(dev_server.spare_of_last_worker, 180, "the worker's spare to import the code location")
    # The code location changes after the spare imported it (a new dbt manifest): the run imports it again.
    manifest = repo_root / "dbt_project" / "target" / "manifest.json"
    as_built = manifest.stat()
    os.utime(manifest, ns=(as_built.st_atime_ns, as_built.st_mtime_ns + 1_000_000_000))
    try:
        _terminate_a_warm_run(dev_server)
    finally:
        os.utime(manifest, ns=(as_built.st_atime_ns, as_built.st_mtime_ns))
    assert f"pid {spare}: its sources changed since the spare imported them" in dev_server.worker_text()


def _terminate_a_warm_run(dev_server: DevServer) -> None:
    with DagsterInstance.from_config(str(dev_server.paths.dagster_home)) as instance:
        before = {run.run_id for run in instance.get_runs()}
        (dev_server.paths.raw_dir / "ha-noi-2024-q3.csv").write_text(submission("2024-Q3", 1300), encoding="utf-8")

        def started_warm_run():
            runs = [run for run in instance.get_runs() if run.run_id not in before]
            return runs and runs[0].status == DagsterRunStatus.STARTED and runs[0].tags.get(WORKER_TAG) and runs[0]

        run = wait_until(started_warm_run, RUN_SECONDS, "the new file's run to start")
        assert run.tags[WORKER_TAG] == WARM
        # What the UI's Terminate calls: this instance's launcher, as dagster.yaml names it.
        assert instance.run_launcher.terminate(run.run_id)

        wait_until(
            lambda: instance.get_run_by_id(run.run_id).status == DagsterRunStatus.CANCELED, 120, "the run canceled"
        )
    assert dev_server.published_value("2024-Q3") is None


@pytest.mark.parametrize(
    ("change", "seen"),
    [
        ("edit a module", True),
        ("add a module", True),
        ("remove a module", True),
        ("new manifest", True),
        ("bytecode written by an import", False),
    ],
)
def test_a_spare_sees_its_code_locations_sources_change(tmp_path, change, seen):
    package, manifest = tmp_path / "orchestration", tmp_path / "manifest.json"
    (package / "defs").mkdir(parents=True)
    (package / "defs" / "assets.py").write_text("A = 1\n")
    manifest.write_text("{}")
    imported = sources_state((package, manifest))

    later = imported[str(package / "defs" / "assets.py")] + 1_000_000_000
    if change == "edit a module":
        os.utime(package / "defs" / "assets.py", ns=(later, later))
    elif change == "add a module":
        (package / "defs" / "checks.py").write_text("B = 2\n")
    elif change == "remove a module":
        (package / "defs" / "assets.py").unlink()
    elif change == "new manifest":
        os.utime(manifest, ns=(later, later))
    else:
        (package / "defs" / "__pycache__").mkdir()
        (package / "defs" / "__pycache__" / "assets.cpython-311.pyc").write_bytes(b"\0")

    assert (sources_state((package, manifest)) != imported) is seen


@pytest.mark.parametrize(("run_home", "spares_used"), [("the spare's", True), ("another", False)])
def test_a_run_uses_the_instance_its_spare_opened_ahead_when_it_is_the_runs(
    tmp_path, monkeypatch, capsys, repo_root, run_home, spares_used
):
    spare_home, other_home = tmp_path / "home", tmp_path / "other_home"
    for home in (spare_home, other_home):
        home.mkdir()
        (home / "dagster.yaml").write_text((repo_root / "orchestration" / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(spare_home))
    ahead = InstanceAhead.open()
    opened = ahead._instance
    # what the launcher sends: the daemon's instance's ref, rebuilt from its serialized form
    ref = InstanceRef.from_dict(
        InstanceRef.from_dir(str(spare_home if run_home == "the spare's" else other_home)).to_dict()
    )

    with ahead.instance_for(ref) as instance:
        assert (instance is opened) is spares_used
        assert Path(instance.root_directory) == (spare_home if spares_used else other_home)
    assert ("the run's instance is not the spare's" in capsys.readouterr().out) is not spares_used
