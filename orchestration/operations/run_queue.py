"""The run coordinator of orchestration/dagster.yaml: Dagster's run queue, looked at when a run is
queued (else every half second), plus a shorter loop for the sensor daemon, so a file dropped into
the raw dir becomes a run sooner.

Dagster 1.13's sensor daemon evaluates sensors once per loop of `MIN_INTERVAL_LOOP_TIME` (5 s,
dagster/_daemon/sensor.py): a private constant, with no setting; a sensor's minimum interval below
it has no effect. The daemon builds the instance's run coordinator as it starts (to learn whether
the queue is on), before its first sensor loop, which reads the constant on every pass: that is
where it is set. Check it on Dagster upgrades (docs/architecture.md). Other processes that build
the coordinator (the webserver, a run) run no sensor loop; the constant is unused there.

Dagster's queue daemon waits `dequeue_interval_seconds` between its looks, in steps of 0.5 s
(dagster/_daemon/daemon.py `IntervalDaemon`), so a queued run waited 0.25 s on average. The daemon
process builds the coordinator before its daemons (dagster/_daemon/controller.py
`create_daemon_of_type`): the queue daemon it builds then is `_QueueWokenBySubmit`, which also
looks as soon as this process queues a run (the sensor daemon's thread does, for the inbox sensor).
"""

from __future__ import annotations

import sys
import threading

from dagster import QueuedRunCoordinator

SENSOR_LOOP_SECONDS = 0.5
DEQUEUE_SECONDS = 0.5
_run_queued = threading.Event()  # set by submit_run; the queue daemon's thread waits on it


class P06RunQueue(QueuedRunCoordinator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from dagster._daemon import controller, sensor

        sensor.MIN_INTERVAL_LOOP_TIME = SENSOR_LOOP_SECONDS
        controller.QueuedRunCoordinatorDaemon = _queue_daemon_class()

    @property
    def dequeue_interval_seconds(self) -> float:
        return DEQUEUE_SECONDS

    def submit_run(self, context):  # noqa: ANN001, ANN201 (Dagster's types)
        run = super().submit_run(context)
        _run_queued.set()
        return run


def _queue_daemon_class() -> type:
    from dagster._daemon.daemon import SpanMarker
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon
    from dagster._utils.error import serializable_error_info_from_exc_info

    class _QueueWokenBySubmit(QueuedRunCoordinatorDaemon):
        def core_loop(self, workspace_process_context, shutdown_event):  # noqa: ANN001, ANN202
            """Dagster's loop (an iteration, its error yielded, a pause) with a pause that a
            queued run ends; the daemon's runner checks `shutdown_event` at every yield."""
            while True:
                yield SpanMarker.START_SPAN
                try:
                    yield from self.run_iteration(workspace_process_context)
                except Exception:
                    error = serializable_error_info_from_exc_info(sys.exc_info())
                    self._logger.error("Caught error:\n%s", error)
                    yield error
                yield SpanMarker.END_SPAN
                # cleared before the next look: a run queued after it sets it again
                if _run_queued.wait(self.interval_seconds):
                    _run_queued.clear()
                yield None

    return _QueueWokenBySubmit
