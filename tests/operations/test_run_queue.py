"""The run queue of orchestration/dagster.yaml, as the daemon process builds it: a queued run is
looked at as it is queued, not at the queue daemon's next pause's end."""

from __future__ import annotations

import threading

from dagster import DagsterInstance
from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.run_coordinator import SubmitRunContext
from dagster._core.test_utils import create_run_for_test
from dagster._daemon import controller
from dagster._daemon.run_coordinator import queued_run_coordinator_daemon
from operations_support import wait_until

from orchestration.operations import run_queue


def test_a_queued_run_wakes_the_queue_daemon_the_daemon_process_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(run_queue, "DEQUEUE_SECONDS", 600)  # without the wake: ten minutes
    monkeypatch.setattr(run_queue, "_run_queued", threading.Event())  # not set by an earlier test's submit
    # P06RunQueue replaces the controller's class for the process: put Dagster's back after the test
    monkeypatch.setattr(controller, "QueuedRunCoordinatorDaemon", controller.QueuedRunCoordinatorDaemon)
    (tmp_path / "dagster.yaml").write_text(
        "run_coordinator:\n  module: orchestration.operations.run_queue\n  class: P06RunQueue\n"
    )
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        coordinator = instance.run_coordinator
        daemon = controller.create_daemon_of_type("QUEUED_RUN_COORDINATOR", instance)
        looks = []

        def look(_daemon, _context, _fixed_iteration_time=None):  # Dagster's look at the run storage, counted
            looks.append(instance.get_runs_count())
            yield None

        monkeypatch.setattr(queued_run_coordinator_daemon.QueuedRunCoordinatorDaemon, "run_iteration", look)
        shutdown = threading.Event()

        def loop():
            for _ in daemon.core_loop(None, shutdown):
                if shutdown.is_set():
                    return

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        origin = RemoteJobOrigin(
            RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("p06"), "__repository__"), "refresh"
        )
        run = create_run_for_test(instance, job_name="refresh", remote_job_origin=origin)
        coordinator.submit_run(SubmitRunContext(run, workspace=None))
        wait_until(lambda: looks[-1:] == [1], 30, "a look that sees the queued run")
        shutdown.set()
        run_queue._run_queued.set()  # ends the pause, so the loop sees the shutdown
        thread.join(timeout=30)
