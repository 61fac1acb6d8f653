"""The warm run worker: runs launched by the daemon start without paying the imports again.

Dagster's code server starts each run in a *spawned* interpreter that imports Dagster, dbt-core,
pandas, pyarrow, DuckDB and Great Expectations again (~5 s of a sensor's run, bench/README.md).
This process imports those third-party libraries once and calls dbt once (its first call in a
process costs seconds more than later ones: transform/dbt_calls.warm_up), then listens on a Unix socket in
DAGSTER_HOME; for each run the launcher (run_launcher.py) sends, a child of its own executes the
run as `dagster api execute_run` does, then leaves with `os._exit`. Nothing is shared between runs.

The child is forked ahead of the run while the worker is idle (the *spare*): it imports the p06
code location (~1 s), opens the Dagster instance of DAGSTER_HOME (its storage modules' imports,
0.6-0.9 s at load 5-7), has dbt parse and builds GX's context for the run, and waits for one
run. When the run arrives, a spare whose sources changed since (an edit, a new dbt manifest), whose
env the run's location would change (a `.env` Dagster injects) or whose code is not the one the run
points to forgets p06's modules first and the run imports them fresh, as a child forked at that
moment would.

    python -m orchestration.operations.run_worker     (scripts/dev.sh starts it beside `dg dev`)

It stops when the process that started it ends. Only one worker serves a DAGSTER_HOME: a second
one finds the lock taken and exits at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from orchestration.operations.heap import imports_left_unscanned

SOCKET_NAME = "run_worker.sock"
CODE_LOCATION = "orchestration.definitions"  # workspace.yaml's module
REPO_ROOT = Path(__file__).resolve().parents[2]
# What importing the code location reads: p06's modules and the dbt project's manifest.
SOURCES = (REPO_ROOT / "orchestration", REPO_ROOT / "dbt_project" / "target" / "manifest.json")
# Third-party modules a refresh run imports, the slow ones first; not p06's own code.
WARM_MODULES = (
    "dagster",
    "dagster._cli.api",
    "dagster_dbt",
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "pandas",
    "pyarrow",
    "pyarrow.compute",
    "pyarrow.csv",
    "duckdb",
    "jinja2",
    "python_calamine",
    "psycopg2",
    "openpyxl",
    # imported during every run otherwise (0.36-0.75 s at load 9-11): Dagster's filesystem IO
    # manager, the checks' Markdown tables, ingestion's Arrow datasets, dbt's build task
    "upath.implementations.local",
    "tabulate",
    "pyarrow.dataset",
    "dbt.task.build",
)
_POLL_SECONDS = 1.0


def socket_path(dagster_home: str | Path) -> Path:
    return Path(dagster_home) / SOCKET_NAME


def warm_up() -> None:
    """Import what every run needs and call dbt once, then forget p06's own modules so each child
    imports them."""
    for name in WARM_MODULES:
        with contextlib.suppress(ImportError):  # an optional extra not installed
            importlib.import_module(name)
    from orchestration.quality.validation import load_great_expectations

    load_great_expectations()
    from orchestration.transform.dbt_calls import warm_up as warm_up_dbt

    warm_up_dbt()
    forget_own_modules()


def forget_own_modules() -> None:
    """The next import of p06's code reads it from disk again."""
    for name in [name for name in sys.modules if name == "orchestration" or name.startswith("orchestration.")]:
        del sys.modules[name]


def sources_state(roots: tuple[Path, ...] = SOURCES) -> dict[str, int]:
    """Every file under `roots` (bytecode caches aside) and its mtime: a file edited, added or
    removed changes it."""
    state = {}
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else [root]:
            with contextlib.suppress(OSError):  # removed meanwhile, or a root that does not exist
                if path.is_file() and "__pycache__" not in path.parts:
                    state[str(path)] = path.stat().st_mtime_ns
    return state


def serve(dagster_home: Path) -> int:
    lock = os.open(dagster_home / "run_worker.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"run worker: another one serves {dagster_home}", file=sys.stderr)
        return 0
    parent = os.getppid()
    warm_up()
    path = socket_path(dagster_home)
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener, contextlib.suppress(KeyboardInterrupt):
        listener.bind(str(path))
        listener.listen()
        listener.settimeout(_POLL_SECONDS)
        print(f"run worker: warm, pid {os.getpid()}, listening on {path}", flush=True)
        children: dict[int, str | None] = {}  # pid: the run's arguments (None: a reporter)
        worker_fds = [listener.fileno(), lock]
        spare: Spare | None = None
        while os.getppid() == parent:  # the starter ended: so does the worker
            _reap(children)
            if (spare is None or spare.used) and not children:  # idle: the next run's process imports its code
                spare = Spare.fork(worker_fds)
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                _accept_run(connection, worker_fds, children, spare)
            except OSError as exc:  # this run only: the launcher, without an answer, falls back
                print(f"run worker: could not start a run: {exc}", file=sys.stderr, flush=True)
        if spare and not spare.used:
            spare.dismiss()
    path.unlink(missing_ok=True)
    os.close(lock)
    return 0


class Spare:
    """A child forked ahead of its run: it imports the code location, then waits on a pipe for
    the run's arguments (end of file without any: the worker dismissed it or ended)."""

    def __init__(self, pid: int, pipe: int):
        self.pid, self._pipe = pid, pipe
        self.used = False  # handed a run, or found gone

    @classmethod
    def fork(cls, worker_fds: list[int]) -> Spare:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(write)
            for fd in worker_fds:  # the run holds neither the socket nor the worker's lock
                os.close(fd)
            _spare_child(read)
        os.close(read)
        return cls(pid, write)

    def take(self, request: str) -> bool:
        """Hands the run over; False when the spare is gone (then it is reaped)."""
        self.used = True
        try:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if not done:
                with open(self._pipe, "wb", closefd=False) as pipe:
                    pipe.write(request.encode())
                return True
        except OSError:  # exited between the two calls
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        finally:
            os.close(self._pipe)
        return False

    def dismiss(self) -> None:
        os.close(self._pipe)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _spare_child(pipe: int) -> None:
    """Never returns: runs the run it is handed, or exits (1 when interrupted: a run it was
    handed is then failed by the worker)."""
    request = ""
    try:
        sources = sources_state()  # before the import: an edit made during it counts as one
        with imports_left_unscanned():
            try:
                importlib.import_module(CODE_LOCATION)
            except Exception:  # the run imports it again and reports why it fails
                forget_own_modules()
            env = dict(os.environ)  # what the import saw, and what it set
            instance = InstanceAhead.open()
            if CODE_LOCATION in sys.modules:  # forked once the previous run ended: dbt parses for the next
                from orchestration.transform.ahead import parse_before_the_run

                parse_before_the_run()
                _validation_context_ahead()
        print(f"run worker: spare ready, pid {os.getpid()}", flush=True)
        with open(pipe, "rb") as requests:
            request = requests.read().decode()
        if request and sources_state() != sources:
            instance.close()  # the run opens it with the code it imports
            _import_again("its sources changed since the spare imported them")
    except BaseException:
        os._exit(1)
    if not request:
        os._exit(0)
    _run_child(request, env_imported_with=env, instance=instance)


def _validation_context_ahead() -> None:
    """The run's quality steps validate through one GX context per process (0.2-0.3 s to build,
    mostly waiting, at load 10): the spare builds it while it waits."""
    from orchestration.quality.validation import batch_definition

    try:
        batch_definition()
    except Exception as exc:  # noqa: BLE001 (the run builds it and fails, saying why)
        print(f"run worker: GX's context ahead failed, the run builds it: {exc}", file=sys.stderr, flush=True)


class InstanceAhead:
    """The home's Dagster instance, opened by a spare before its run arrives as the run opens it
    (`get_instance_for_cli`, `.env` included): the run uses it when the launcher's instance is
    this one, else closes it and opens its own."""

    def __init__(self, ref, stack: contextlib.ExitStack | None = None, instance=None):  # noqa: ANN001 (Dagster's types)
        self.ref, self._stack, self._instance = ref, stack, instance

    @classmethod
    def open(cls) -> InstanceAhead:
        from dagster._cli.utils import get_instance_for_cli
        from dagster._core.instance.ref import InstanceRef

        stack = contextlib.ExitStack()
        try:
            ref = InstanceRef.from_dir(os.environ["DAGSTER_HOME"])
            return cls(ref, stack, stack.enter_context(get_instance_for_cli(instance_ref=ref)))
        except Exception:  # the run opens its own and says what fails
            stack.close()
            return cls(None)

    @contextlib.contextmanager
    def instance_for(self, ref) -> Iterator:  # noqa: ANN001 (Dagster's type)
        from dagster._cli.utils import get_instance_for_cli

        if self._instance is not None and ref == self.ref:
            with self._stack:
                yield self._instance
            return
        if self._instance is not None:
            print(f"run worker: pid {os.getpid()}: the run's instance is not the spare's; it opens its own", flush=True)
        self.close()
        with get_instance_for_cli(instance_ref=ref) as instance:
            yield instance

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._instance = None


def _accept_run(
    connection: socket.socket, worker_fds: list[int], children: dict[int, str | None], spare: Spare | None
) -> None:
    """Starts the run on the socket in the spare, else in a child forked now."""
    with connection, connection.makefile("rwb") as stream:
        connection.settimeout(10)
        request = stream.readline().decode()
        if not request:
            return
        if spare and not spare.used and spare.take(request):
            pid = spare.pid
        else:
            pid = os.fork()
            if pid == 0:
                stream.close()
                connection.close()
                for fd in worker_fds:
                    os.close(fd)
                _run_child(request)
        children[pid] = request
        stream.write(json.dumps({"pid": pid}).encode() + b"\n")
        stream.flush()


def _run_child(
    serialized_args: str, env_imported_with: dict[str, str] | None = None, instance: InstanceAhead | None = None
) -> None:
    """Executes one run, then leaves without the interpreter's teardown (every file closed first)."""
    code = 0
    try:
        code = execute_run(serialized_args, env_imported_with, instance or InstanceAhead(None))
    except BaseException:  # whatever happened was written to the run's event log if it could be
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


def execute_run(serialized_args: str, env_imported_with: dict[str, str] | None, ahead: InstanceAhead) -> int:
    """What `dagster api execute_run` does with its arguments, plus the thread that turns a
    cancel (the launcher's terminate) into an interrupt, as Dagster's own run workers have.
    `env_imported_with`: the code location was imported before the run arrived (a spare), with
    this env; `ahead`: the instance the spare opened, if any."""
    from dagster._grpc.types import ExecuteRunArgs
    from dagster._serdes import deserialize_value
    from dagster._utils.interrupts import capture_interrupts

    args = deserialize_value(serialized_args, ExecuteRunArgs)
    with capture_interrupts(), ahead.instance_for(args.instance_ref) as instance:
        if env_imported_with is not None and not _imported_as_the_run_would(instance, args, env_imported_with):
            _import_again("its env or directory is not the spare's")
        from orchestration.operations.event_log import events_written_behind

        with events_written_behind(instance):
            return _execute(instance, args)


def _execute(instance, args) -> int:  # noqa: ANN001 (Dagster's types)
    from dagster._cli.api import _execute_run_command_body
    from dagster._core.execution.run_cancellation_thread import start_run_cancellation_thread

    thread, stop = start_run_cancellation_thread(instance, args.run_id)
    try:
        return _execute_run_command_body(args.run_id, instance, lambda _event: None, False)
    finally:
        stop.set()
        thread.join(timeout=15)


def _import_again(reason: str) -> None:
    print(f"run worker: pid {os.getpid()}: {reason}; the run imports its code again", flush=True)
    forget_own_modules()


def _imported_as_the_run_would(instance, args, env: dict[str, str]) -> bool:  # noqa: ANN001 (Dagster's types)
    """Whether the spare's import is the one the run would make: from the directory its code
    pointer names, with the env the run loads its code with: the `.env` files Dagster injects (the
    current directory's, already in, and its code location's) change nothing of `env`."""
    directory = getattr(args.job_origin.repository_origin.code_pointer, "working_directory", None)
    if directory and Path(directory).resolve() != REPO_ROOT:
        return False
    run = instance.get_run_by_id(args.run_id)
    try:
        instance.inject_env_vars(run.remote_job_origin.location_name if run and run.remote_job_origin else None)
    except Exception:  # a broken .env: core_execute_run meets it again and fails the run, saying why
        return False
    return dict(os.environ) == env  # core_execute_run injects the same again before loading the job


def _reap(children: dict[int, str | None]) -> None:
    """A child that died before its run finished (killed, out of memory) fails the run, as
    Dagster's code server does for its own run processes; a forked reporter says so."""
    for pid in list(children):
        done, status = os.waitpid(pid, os.WNOHANG)
        if not done:
            continue
        request = children.pop(pid)
        exit_code = os.waitstatus_to_exitcode(status)
        if request is None or exit_code == 0:
            continue
        reporter = os.fork()
        if reporter == 0:
            code = 1
            try:
                _fail_unfinished_run(request, exit_code)
                code = 0
            finally:
                os._exit(code)
        children[reporter] = None


def _fail_unfinished_run(serialized_args: str, exit_code: int) -> None:
    from dagster import DagsterInstance
    from dagster._grpc.types import ExecuteRunArgs
    from dagster._serdes import deserialize_value

    args = deserialize_value(serialized_args, ExecuteRunArgs)
    with DagsterInstance.from_ref(args.instance_ref) as instance:
        run = instance.get_run_by_id(args.run_id)
        if run and not run.is_finished:
            instance.report_engine_event(f"The run's process in the warm run worker exited with {exit_code}", run)
            instance.report_run_failed(run)


def main() -> int:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        print("run worker: DAGSTER_HOME is not set", file=sys.stderr)
        return 1
    return serve(Path(home))


if __name__ == "__main__":
    sys.exit(main())
