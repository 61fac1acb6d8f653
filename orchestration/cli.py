"""`p06`: the operator's command line (CONTRACT §1).

p06 refresh [--raw-dir DIR] [--warehouse-dir DIR] [--full-refresh | --skip-dbt-tests] [--force]
p06 validate FILE|DIR...
p06 template PROVINCE PERIOD [--output FILE] | p06 template --all PERIOD [--output-dir DIR]
p06 rollback [--warehouse-dir DIR] [--to ID]
p06 snapshots [--warehouse-dir DIR]
p06 dashboard [--warehouse-dir DIR] [--serve PORT]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import traceback
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from orchestration.settings import WarehousePaths

if TYPE_CHECKING:
    from orchestration.publish.snapshots import Snapshot

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


def _paths(args: argparse.Namespace) -> WarehousePaths:
    """The environment's paths, flags overriding them."""
    paths = WarehousePaths.from_env()
    return WarehousePaths(
        raw_dir=Path(args.raw_dir).resolve() if getattr(args, "raw_dir", None) else paths.raw_dir,
        warehouse_dir=Path(args.warehouse_dir).resolve()
        if getattr(args, "warehouse_dir", None)
        else paths.warehouse_dir,
    )


def dagster_home(paths: WarehousePaths) -> Path:
    """$DAGSTER_HOME when set (as `make dev` does), else the warehouse's own: runs show in the UI."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.dagster_home)
    prepare_dagster_home(home)
    return home


def prepare_dagster_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(Path(__file__).with_name("dagster.yaml"), home / "dagster.yaml")


def refresh(args: argparse.Namespace) -> int:
    try:
        paths = _paths(args)
    except Exception as exc:  # no warehouse to report into: the operator gets the reason
        print(f"refresh failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    from orchestration.ingest.listing import raw_dir_problem
    from orchestration.operations.summary import format_summary

    try:
        if problem := raw_dir_problem(paths.raw_dir):
            raise RefreshRefused(problem)
        if not (args.force or args.full_refresh):
            from orchestration.operations.noop import format_noop, skip_unchanged_refresh

            if summary := skip_unchanged_refresh(paths):
                print(format_noop(summary))
                return summary["exit_code"]
        from orchestration.operations.heap import imports_left_unscanned

        with imports_left_unscanned():
            from dagster import DagsterInstance
            from dagster._core.instance.ref import InstanceRef

            from orchestration.definitions import build_definitions
            from orchestration.operations.event_log import INSTANCE_CLASS_OVERRIDE, events_written_behind
            from orchestration.operations.finish import finish_refresh
            from orchestration.operations.lock import warehouse_lock
            from orchestration.resources import P06Settings

            defs = build_definitions(
                P06Settings.from_env(raw_dir=str(paths.raw_dir), warehouse_dir=str(paths.warehouse_dir))
            )
            home = dagster_home(paths)
            # Two first refreshes at once would both migrate the new instance's database.
            with warehouse_lock(home / ".instance.lock", timeout_seconds=60):
                instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=INSTANCE_CLASS_OVERRIDE))
        job = defs.resolve_job_def("refresh")
        if args.skip_dbt_tests:
            from orchestration.defs.transform.assets import selection_without_dbt_tests

            assets, checks = selection_without_dbt_tests(job)
            job = job.get_subset(asset_selection=assets, asset_check_selection=checks)
        with events_written_behind(instance):  # every event stored when it ends
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                tags={"p06/launched_by": "cli"},
                run_config=_run_config(args.full_refresh, data_tests=not args.skip_dbt_tests),
            )
        summary = finish_refresh(instance, result.run_id, paths)
    except Exception as exc:  # anything before or around the run: still report and alert
        from orchestration.operations.finish import with_storage_diagnosis

        summary = with_storage_diagnosis(_failure_summary(exc, paths), paths)
        _finish_without_run(summary, paths)
    print(format_summary(summary))
    return summary["exit_code"]


class RefreshRefused(Exception):
    """A refresh that cannot start, for a reason the message says whole (no traceback needed)."""


def _run_config(full_refresh: bool, *, data_tests: bool) -> dict:
    from orchestration.defs.transform.assets import dbt_build_run_config

    return {
        **dbt_build_run_config(full_refresh=full_refresh, data_tests=data_tests),
        # Step-by-step DEBUG events are in the UI; the terminal gets progress and problems.
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }


def _failure_summary(exc: Exception, paths: WarehousePaths) -> dict:
    """A one-line reason; the traceback goes to a log file that the reason names."""
    from orchestration.operations.summary import FAILED, summary_without_run

    run_id = f"cli-{uuid.uuid4().hex[:8]}"
    if isinstance(exc, RefreshRefused):
        error = str(exc)
    else:
        first_line = (str(exc).strip().splitlines() or [""])[0]
        error = f"{type(exc).__name__}: {first_line} (traceback in {_write_traceback(run_id, paths)})"
    now = datetime.now(UTC).isoformat()
    return summary_without_run(run_id, FAILED, now, error=error)


def _write_traceback(run_id: str, paths: WarehousePaths) -> Path:
    """warehouse/logs/<run_id>.log, else (warehouse not writable) the system's temporary folder."""
    text = traceback.format_exc()
    for folder in (paths.warehouse_dir / "logs", Path(tempfile.gettempdir())):
        log = folder / f"p06-refresh-{run_id}.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            log.write_text(text, encoding="utf-8")
            return log
        except OSError:
            continue
    return Path("(nowhere: no writable folder)")


def _finish_without_run(summary: dict, paths: WarehousePaths) -> None:
    from orchestration.operations.finish import send_alerts
    from orchestration.operations.summary import write_summary

    try:
        write_summary(summary, paths.last_refresh)
    except OSError as exc:
        print(f"could not write {paths.last_refresh}: {exc}", file=sys.stderr)
    try:
        send_alerts(summary, paths)
    except Exception as exc:  # the summary still prints; the failure to alert is said
        print(f"could not send the alerts: {type(exc).__name__}: {exc}", file=sys.stderr)


def validate(args: argparse.Namespace) -> int:
    from orchestration.operations.validate import format_validation, validate_paths

    try:
        validation = validate_paths([Path(p) for p in args.files])
    except Exception as exc:  # the files could not be checked at all (not: the files are bad)
        print(f"validate failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(format_validation(validation))
    return EXIT_REFUSED if validation.refused else EXIT_OK


def template(args: argparse.Namespace) -> int:
    """The pre-filled Excel template(s); exit 1 with the reason, and no file, when the unit or
    period cannot be resolved."""
    from orchestration.ingest.parsing.errors import ParseError
    from orchestration.templates.plan import plan_for, plans_for_all
    from orchestration.templates.workbook import write_template

    if len(args.unit_and_period) != (0 if args.all else 2):
        print("template: give PROVINCE PERIOD, or --all PERIOD", file=sys.stderr)
        return EXIT_FAILED
    published_db = _paths(args).published_db
    try:
        if args.all:
            plans = plans_for_all(args.all, published_db)
            paths = [Path(args.output_dir or ".") / plan.file_name for plan in plans]
        else:
            plans = [plan_for(*args.unit_and_period, published_db)]
            paths = [Path(args.output) if args.output else Path(plans[0].file_name)]
    except ParseError as error:
        given = args.all or " ".join(args.unit_and_period)
        print(f"template: no unit and period for {given!r}: expected {error.expected} ({error.rule})", file=sys.stderr)
        return EXIT_FAILED
    for plan, path in zip(plans, paths, strict=True):
        write_template(plan, path)
        print(f"{path}: {plan.unit.name} ({plan.unit.code}), {plan.period.code}, deadline {plan.deadline}")
    return EXIT_OK


def _existing_warehouse(args: argparse.Namespace) -> WarehousePaths | None:
    """The warehouse paths, or None (said on stderr) when the dir does not exist: nothing is created."""
    paths = _paths(args)
    if not paths.warehouse_dir.is_dir():
        print(f"{args.command} failed: warehouse dir {paths.warehouse_dir} does not exist", file=sys.stderr)
        return None
    return paths


def _describe(snapshot: Snapshot) -> str:
    run = f" by run {snapshot.run_id}" if snapshot.run_id else ""
    return f"snapshot {snapshot.id} (published {snapshot.published_at:%Y-%m-%d %H:%M:%S} UTC{run})"


def rollback(args: argparse.Namespace) -> int:
    from orchestration.operations.lock import warehouse_lock
    from orchestration.publish.publisher import rollback as rollback_published
    from orchestration.publish.snapshots import Snapshot

    if (paths := _existing_warehouse(args)) is None:
        return EXIT_FAILED
    try:
        with warehouse_lock(paths.lock_file, timeout_seconds=60):
            snapshot = Snapshot(rollback_published(paths, args.to))
    except Exception as exc:
        print(f"rollback failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{paths.published_db} now serves {_describe(snapshot)}; every snapshot is kept (p06 snapshots)")
    _rebuild_dashboard(paths)  # the rollback stands either way; a site left behind is said on stderr
    return EXIT_OK


def snapshots(args: argparse.Namespace) -> int:
    from orchestration.publish.snapshots import all_snapshots, served_index

    if (paths := _existing_warehouse(args)) is None:
        return EXIT_FAILED
    kept = all_snapshots(paths)
    served = served_index(paths, kept)
    if not kept:
        print(f"no snapshots in {paths.snapshots_dir}")
    for index, snapshot in reversed(list(enumerate(kept))):
        marks = ["served"] if index == served else []
        marks += [f"rolled back {snapshot.rolled_back_at}"] if snapshot.rolled_back_at else []
        print(f"{_describe(snapshot)} {'; '.join(marks)}".rstrip())
    return EXIT_OK


def _rebuild_dashboard(paths: WarehousePaths) -> int:
    from orchestration.dashboard.site import build_dashboard

    try:
        result = build_dashboard(paths)
    except Exception as exc:
        print(
            f"scorecard site not rebuilt ({type(exc).__name__}: {exc}); "
            f"{paths.dashboard_dir} still shows what it showed before",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"scorecard site: {result.site / 'index.html'} ({result.pages} pages)")
    return EXIT_OK


def dashboard(args: argparse.Namespace) -> int:
    from orchestration.operations.lock import WarehouseBusy, warehouse_lock

    if (paths := _existing_warehouse(args)) is None:
        return EXIT_FAILED
    try:
        with warehouse_lock(paths.lock_file, timeout_seconds=60):
            status = _rebuild_dashboard(paths)
    except WarehouseBusy as exc:
        print(f"scorecard site not rebuilt: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if status != EXIT_OK or args.serve is None:
        return status
    from orchestration.dashboard.serve import serve_site

    with serve_site(paths.dashboard_dir, args.serve) as server:
        url = f"http://127.0.0.1:{server.server_port}/"
        print(f"serving {paths.dashboard_dir} read-only on {url} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="p06", description="Project 06 data platform")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("refresh", help="ingest new submissions, build, check and publish the marts")
    run.add_argument("--raw-dir", help="submissions folder (default: $P06_RAW_DIR or ./raw)")
    run.add_argument("--warehouse-dir", help="output folder (default: $P06_WAREHOUSE_DIR or ./warehouse)")
    rebuild = run.add_mutually_exclusive_group()
    rebuild.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from all history")
    rebuild.add_argument(
        "--skip-dbt-tests",
        action="store_true",
        help="what the inbox sensor runs: dbt's data tests left for the nightly refresh "
        "(contracts and every quality rule still checked)",
    )
    run.add_argument("--force", action="store_true", help="rebuild even when nothing changed since today's publish")
    run.set_defaults(handler=refresh)

    check = commands.add_parser(
        "validate",
        help="check submission files (or folders of them) as a refresh would, without touching the warehouse",
    )
    check.add_argument("files", nargs="+", help="files or folders to check")
    check.set_defaults(handler=validate)

    form = commands.add_parser("template", help="write the official Excel template, pre-filled for a unit and period")
    form.add_argument(
        "unit_and_period",
        nargs="*",
        metavar="PROVINCE PERIOD",
        help='province code or name, and the period (e.g. 52 2025-Q3, "Gia Lai" "Quý III/2025")',
    )
    form.add_argument("--output", help="file to write (default: <code>_<period>.xlsx)")
    form.add_argument("--all", metavar="PERIOD", help="one template per unit valid in PERIOD")
    form.add_argument("--output-dir", help="folder of the --all templates (default: the current folder)")
    form.add_argument("--warehouse-dir", help="where the last accepted values are read (default: $P06_WAREHOUSE_DIR)")
    form.set_defaults(handler=template)

    back = commands.add_parser("rollback", help="serve earlier (or, with --to, any) published marts again")
    back.add_argument("--warehouse-dir", help="output folder (default: $P06_WAREHOUSE_DIR or ./warehouse)")
    back.add_argument("--to", metavar="ID", help="the snapshot to serve (p06 snapshots lists them)")
    back.set_defaults(handler=rollback)

    listing = commands.add_parser("snapshots", help="list the published snapshots, newest first")
    listing.add_argument("--warehouse-dir", help="output folder (default: $P06_WAREHOUSE_DIR or ./warehouse)")
    listing.set_defaults(handler=snapshots)

    site = commands.add_parser("dashboard", help="rebuild the scorecard site from the published marts")
    site.add_argument("--warehouse-dir", help="output folder (default: $P06_WAREHOUSE_DIR or ./warehouse)")
    site.add_argument("--serve", type=int, metavar="PORT", help="then serve it read-only on 127.0.0.1:PORT")
    site.set_defaults(handler=dashboard)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.handler(args)


def script() -> NoReturn:
    """The `p06` command. A refresh ends with `os._exit` once the atexit handlers ran (logging
    closes its files) and stdout and stderr are flushed: the interpreter's own teardown would
    free every object of Dagster, dbt and Great Expectations, ~1.5 s nobody reads (bench/README.md).
    Every file the refresh writes is closed by the time its summary is printed."""
    args = _parser().parse_args()
    code = args.handler(args)
    if args.command != "refresh":
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    script()
