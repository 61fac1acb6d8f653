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
`create_daemon_of_type`): the queue daemon it builds then is `_QueueWokenBySubmit`, whose pause is
in its look (`run_iteration`, Dagster's, after a wait that this process queuing a run ends: the
sensor daemon's thread does, for the inbox sensor) rather than in Dagster's loop.
"""

from __future__ import annotations

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
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    class _QueueWokenBySubmit(QueuedRunCoordinatorDaemon):
        def __init__(self, interval_seconds: float, **kwargs) -> None:
            super().__init__(0, **kwargs)  # Dagster's loop: no pause of its own between looks
            self._pause_seconds = interval_seconds

        def run_iteration(self, workspace_process_context, fixed_iteration_time=None):  # noqa: ANN001, ANN202
            # cleared before the look: a run queued during it sets it again
            if _run_queued.wait(self._pause_seconds):
                _run_queued.clear()
            yield from super().run_iteration(workspace_process_context, fixed_iteration_time)

    return _QueueWokenBySubmit
