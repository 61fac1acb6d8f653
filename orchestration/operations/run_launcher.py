"""The run launcher of orchestration/dagster.yaml: runs go to the warm run worker (run_worker.py)
when it answers, else to the code server as Dagster's DefaultRunLauncher sends them, so a run is
never lost. The worker is then started for the runs after this one.

The daemon (and the webserver, to terminate) import this module: it imports nothing heavy.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from dagster import DefaultRunLauncher
from dagster._core.launcher.base import LaunchRunContext

from orchestration.operations.run_worker import socket_path

WORKER_TAG = "p06/run_worker"
WORKER_PID_TAG = "p06/run_worker_pid"
WARM, SPAWNED = "warm", "spawned"
_ANSWER_SECONDS = 10


class WarmRunLauncher(DefaultRunLauncher):
    _worker: subprocess.Popen | None = None  # the worker this launcher started, if any

    def launch_run(self, context: LaunchRunContext) -> None:
        from dagster._grpc.types import ExecuteRunArgs
        from dagster._serdes import serialize_value

        run = context.dagster_run
        request = ExecuteRunArgs(
            job_origin=run.job_code_origin,  # type: ignore[arg-type]
            run_id=run.run_id,
            instance_ref=self._instance.get_ref(),
        )
        home = Path(self._instance.root_directory)
        try:
            pid = send_to_worker(socket_path(home), serialize_value(request))
        except OSError as exc:
            self._instance.report_engine_event(
                f"No warm run worker answered ({type(exc).__name__}: {exc}): the code server starts this run; "
                "a worker is started for the next ones.",
                run,
                cls=self.__class__,
            )
            if self._worker is None or self._worker.poll() is not None:
                self._worker = start_worker(home)
            self._instance.add_run_tags(run.run_id, {WORKER_TAG: SPAWNED})
            super().launch_run(context)
            return
        self._instance.add_run_tags(run.run_id, {WORKER_TAG: WARM, WORKER_PID_TAG: str(pid)})
        self._instance.report_engine_event(f"Started by the warm run worker (pid {pid}).", run, cls=self.__class__)

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if not run or run.is_finished or run.tags.get(WORKER_TAG) != WARM:
            return super().terminate(run_id)
        # The run's process watches for this status and interrupts itself (run_worker.execute_run).
        self._instance.report_run_canceling(run)
        return True


def send_to_worker(path: Path, serialized_args: str) -> int:
    """The pid of the process that executes the run; OSError when no worker answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(_ANSWER_SECONDS)
        connection.connect(str(path))
        connection.sendall(serialized_args.encode() + b"\n")
        with connection.makefile("rb") as answer:
            line = answer.readline()
    if not line:
        raise ConnectionError(f"the worker on {path} closed the connection without starting the run")
    return int(json.loads(line)["pid"])


def start_worker(dagster_home: Path) -> subprocess.Popen:
    """A worker beside this process; it exits at once if another one serves already."""
    with open(dagster_home / "run_worker.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "orchestration.operations.run_worker"],
            env={**os.environ, "DAGSTER_HOME": str(dagster_home)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
