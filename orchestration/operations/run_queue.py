"""The run coordinator of orchestration/dagster.yaml: Dagster's run queue, looked at every half
second, plus a shorter loop for the sensor daemon, so a file dropped into the raw dir becomes a
run sooner.

Dagster 1.13's sensor daemon evaluates sensors once per loop of `MIN_INTERVAL_LOOP_TIME` (5 s,
dagster/_daemon/sensor.py): a private constant, with no setting; a sensor's minimum interval below
it has no effect. The daemon builds the instance's run coordinator as it starts (to learn whether
the queue is on), before its first sensor loop, which reads the constant on every pass: that is
where it is set. Check it on Dagster upgrades (docs/architecture.md). Other processes that build
the coordinator (the webserver, a run) run no sensor loop; the constant is unused there.

The queue's daemon waits `dequeue_interval_seconds` between its looks, in steps of 0.5 s
(dagster/_daemon/daemon.py `IntervalDaemon`); dagster.yaml's setting takes whole seconds only.
"""

from __future__ import annotations

from dagster import QueuedRunCoordinator

SENSOR_LOOP_SECONDS = 0.5
DEQUEUE_SECONDS = 0.5


class P06RunQueue(QueuedRunCoordinator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from dagster._daemon import sensor

        sensor.MIN_INTERVAL_LOOP_TIME = SENSOR_LOOP_SECONDS

    @property
    def dequeue_interval_seconds(self) -> float:
        return DEQUEUE_SECONDS
