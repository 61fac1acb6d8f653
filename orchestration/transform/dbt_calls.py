"""dbt-core's dbtRunner, called in this process, without Dagster: a refresh's stages
(runner.py) and `p06 validate`'s scratch build both call dbt through here."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from typing import TYPE_CHECKING

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.borrowed import BORROWED, DuckDBConnectionManager

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

# dbt's unit tests check a model's SQL against fixed rows, not the data: no refresh or `p06 validate`
# build runs them; `make test` does (tests/dbt/test_marts.py).
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")

# Node statuses of a build that did not go through (dbt's RunStatus and TestStatus values).
FAILED_STATUSES = {"error", "fail", "runtime error"}


def invoke(args: list[str], **runner_options) -> dbtRunnerResult:
    # imported here: 0.3 s that processes loading the code location without building dbt
    # (webserver, daemon, sensors) do not pay
    from dbt.cli.main import dbtRunner

    _name_flag_sources_cheaply()
    try:
        return dbtRunner(**runner_options).invoke(args)
    finally:
        release_duckdb()


def _name_flag_sources_cheaply() -> None:
    """dbt-common names the module that defines each adapter behavior flag (a warning's text) with
    `inspect.stack()`, once per flag and invocation, even where the adapter names it: that reads the
    source of every frame and looks each frame's module up among all loaded ones, 0.1-0.5 s a call
    below Dagster's deep stacks (bench/README.md, issue 20 session 8). The same name, read from the
    frames' globals instead."""
    from orchestration.transform.borrowed import BehaviorFlagRendered

    BehaviorFlagRendered._default_source = staticmethod(caller_module)


def caller_module() -> str:
    """The first module up the stack, loaded from a file, that is not dbt-common's behavior_flags:
    what dbt-common's `_default_source` answers."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if name and name != BORROWED["BehaviorFlagRendered"] and not frame.f_code.co_filename.startswith("<"):
            return name
        frame = frame.f_back
    return "Unknown"


def warm_up() -> None:
    """One `dbt parse` of the project in a throwaway target, for a process that forks runs
    (operations/run_worker.py): dbt's first call in a process builds its (de)serializers and the
    JSON schemas of project and profile (3-7 s); in a child forked afterwards the first parse takes
    0.3-0.9 s.

    Without dbt's static parser: its Rust extractor (dbt_extractor) starts a thread pool on first
    use, and a child forked after that waits forever for threads it does not have (the runs
    keep the static parser: their pool is their own).
    """
    with tempfile.TemporaryDirectory(prefix="p06-dbt-warm-up-") as target:
        invoke(
            [
                "parse",
                *scratch_target_args(target, {"work_db": f"{target}/work.duckdb"}),
                "--no-static-parser",
                "--no-write-json",
                "--quiet",
                "--log-level-file",
                "none",
            ]
        )


def scratch_target_args(target: str, dbt_vars: dict) -> list[str]:
    """The project on the DuckDB target, with dbt's artifacts and log in ``target``: a build or
    parse apart from the warehouse (`p06 validate`'s scratch build, the worker's warm-up)."""
    return [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        "duckdb",
        "--target-path",
        target,
        "--log-path",
        target,
        "--vars",
        json.dumps(dbt_vars),
    ]


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a command.

    Held open, it would keep the file from other processes (BI, `dbt` by hand) and from this
    process's own read-only connections ("different configuration"), and the publish step would
    copy a database whose last writes sit in its WAL.
    """
    # Raises when no environment was created (PostgreSQL target, or failed before connecting).
    with contextlib.suppress(Exception):
        DuckDBConnectionManager.env().close()
    DuckDBConnectionManager.close_all_connections()


def failure_summary(result: dbtRunnerResult) -> str:
    """What failed, one node per clause: `model fct_x (error: ...); test not_null_y (fail: ...)`."""
    if result.exception is not None:
        return str(result.exception).strip()
    failed = [
        f"{node.node.resource_type} {node.node.name} ({node.status}: {(node.message or '').strip()})"
        for node in (result.result or [])
        if str(node.status) in FAILED_STATUSES
    ]
    return "; ".join(failed) or "no failed node reported (see dbt.log in the dbt target directory)"
