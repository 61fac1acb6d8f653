"""dbt-core's dbtRunner, called in this process, without Dagster: a refresh's stages
(runner.py) and `p06 validate`'s scratch build both call dbt through here."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.borrowed import BORROWED, DuckDBConnectionManager

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult
    from dbt.contracts.graph.manifest import Manifest

# dbt's unit tests check a model's SQL against fixed rows, not the data: no refresh or `p06 validate`
# build runs them; `make test` does (tests/dbt/test_marts.py).
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")

# Node statuses of a build that did not go through (dbt's RunStatus and TestStatus values).
FAILED_STATUSES = {"error", "fail", "runtime error"}

PARTIAL_PARSE_FILE = "partial_parse.msgpack"  # dbt's name for its cache in the target dir
PARSE_SEED_FILE = "p06_parse_seed.msgpack"  # the Makefile's copy of its own


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


def parse_vars(dbt_vars: Mapping[str, str]) -> dict[str, str]:
    """The vars dbt's parse gets: those that change what it records.

    Not the run's date (models compile with it, in each stage's build, which gets every var), nor
    the work database's directory: dbt records the database's name, the file's stem, `work` in every
    warehouse (settings.work_db) as by the profile's default path (kept when P06_WORK_DB is set: the
    profile's default is then that file). Left out, the parse's vars are
    the same in every warehouse and on every day, so dbt's partial-parse check (which compares them)
    passes across days and from the project's own cache (seed_partial_parse).
    """
    build_only = {"run_date"} | ({"work_db"} if "P06_WORK_DB" not in os.environ else set())
    return {key: value for key, value in dbt_vars.items() if key not in build_only}


def seed_partial_parse(project_dir: Path, target_path: Path) -> None:
    """Give a target without dbt's partial-parse cache a copy of the one `make` wrote when it parsed
    the project (p06_parse_seed.msgpack in its target: dbt by hand and sqlfluff overwrite their own).

    Without it a fresh warehouse's first refresh parses the whole project (6.7 s, idle). dbt checks
    the copy like its own cache (dbt version, vars, target, profile, dbt_project.yml, each file's
    checksum) and parses again what differs, all of it if needed.
    """
    seed = project_dir / "target" / PARSE_SEED_FILE
    cache = target_path / PARTIAL_PARSE_FILE
    if cache.exists() or not seed.exists():
        return
    target_path.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".seeding")
    shutil.copyfile(seed, partial)
    partial.replace(cache)  # never half a file where dbt looks


def parse_from_seed(project_dir: Path, target_path: Path, args: list[str]) -> dbtRunnerResult:
    """dbt's parse into a target, which starts from the parse seed when it has no cache of its own;
    no manifest.json written (the caller hands the Manifest to its builds)."""
    seed_partial_parse(project_dir, target_path)
    return invoke(["parse", *args, "--no-write-json"])


def parse_in_scratch(target: Path, dbt_vars: Mapping[str, str]) -> Manifest:
    """The project parsed into a scratch target as a refresh parses its own: from the parse seed,
    with the vars of `parse_vars` (the build gets every var), so a new day or another work database
    does not parse the whole project again."""
    args = [*scratch_target_args(str(target), parse_vars(dbt_vars)), "--quiet", "--no-use-colors"]
    result = parse_from_seed(DBT_PROJECT_DIR, target, args)
    if not result.success:
        raise RuntimeError(f"dbt could not parse the project: {failure_summary(result)}")
    return result.result


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
