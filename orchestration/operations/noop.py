"""Skip a refresh that would change nothing (issue 8): the no-op path of `p06 refresh`.

Nothing changed when every submission file's content is already in the work DB, the last refresh
published, and it did so today (Asia/Ho_Chi_Minh): a new day can make new periods due, so the
first refresh of a day always rebuilds. A change to the dbt project or the expectations since the
last refresh also rebuilds. Dagster is not imported on this path: it costs seconds to start.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.ingest.inbox import read_inbox
from orchestration.operations.finish import send_alerts
from orchestration.operations.lock import WarehouseBusy, warehouse_lock
from orchestration.operations.summary import PUBLISHED, summary_without_run, write_summary
from orchestration.publish.snapshots import served_snapshot
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, VIETNAM, WarehousePaths
from orchestration.wording import count

BUILD_INPUTS = [DBT_PROJECT_DIR / name for name in ("models", "seeds", "macros", "tests", "dbt_project.yml")] + [
    EXPECTATIONS_DIR
]


def unchanged_files_seen(
    paths: WarehousePaths, previous: dict[str, Any] | None, now: datetime, build_inputs: list[Path] = BUILD_INPUTS
) -> int | None:
    """How many submission files were seen when a refresh now would change nothing, else None."""
    if not previous or previous.get("status") != PUBLISHED or not paths.published_db.exists():
        return None
    published_at = _parse_time(previous.get("finished_at"))
    if published_at is None or published_at.astimezone(VIETNAM).date() != now.astimezone(VIETNAM).date():
        return None
    if _changed_since(build_inputs, _parse_time(previous.get("started_at"))):
        return None
    return _count_if_all_published(paths, published_at)


def served_marts(paths: WarehousePaths, previous: dict[str, Any]) -> dict[str, Any]:
    """Which marts p06.duckdb serves: the snapshot (rolled back to or not), its run and time."""
    found = served_snapshot(paths)
    if found is None:  # no snapshot matches (e.g. they were deleted): the last publish's record
        return {
            "snapshot": None,
            "run_id": previous.get("noop_of_run") or previous.get("run_id"),
            "published_at": previous.get("finished_at"),
            "rolled_back": False,
        }
    snapshot, newer_exist = found
    return {
        "snapshot": snapshot.id,
        "run_id": snapshot.run_id,
        "published_at": snapshot.published_at.isoformat(),
        "rolled_back": newer_exist,
    }


def noop_summary(previous: dict[str, Any], files_seen: int, now: datetime, served: dict[str, Any]) -> dict[str, Any]:
    """last_refresh.json of a skipped refresh: published marts unchanged, nothing checked again."""
    at = now.astimezone(UTC).isoformat()
    return summary_without_run(
        f"noop-{now.astimezone(UTC):%Y%m%dT%H%M%S}",
        PUBLISHED,
        at,
        noop=True,
        noop_of_run=served["run_id"] or previous.get("noop_of_run") or previous.get("run_id"),
        served=served,
        files={"seen": files_seen, "ingested": 0, "skipped": files_seen, "rejected": 0},
        late_submissions=list(previous.get("late_submissions") or []),
        tables_published=list(previous.get("tables_published") or []),
        quality_report=previous.get("quality_report"),
    )


def skip_unchanged_refresh(
    paths: WarehousePaths, now: datetime | None = None, build_inputs: list[Path] = BUILD_INPUTS
) -> dict[str, Any] | None:
    """When nothing changed: write the no-op summary, send the alerts due, and return it.

    None means a real refresh is needed (also when another refresh holds the warehouse now).
    """
    now = now or datetime.now(UTC)
    previous = _read_json(paths.last_refresh)
    if previous is None:
        return None
    try:
        with warehouse_lock(paths.lock_file, timeout_seconds=0):
            files_seen = unchanged_files_seen(paths, previous, now, build_inputs)
            if files_seen is None:
                return None
            summary = noop_summary(previous, files_seen, now, served_marts(paths, previous))
            write_summary(summary, paths.last_refresh)
    except (WarehouseBusy, OSError):  # busy, or an unwritable warehouse the real refresh reports
        return None
    send_alerts(summary, paths)
    return summary


def format_noop(summary: dict[str, Any]) -> str:
    """What `p06 refresh` prints when it skipped: what is served, nothing about rules (none ran)."""
    served = summary["served"]
    published = _parse_time(served["published_at"])
    when = f"published {published.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if published else "publish time unknown"
    what = f"run {served['run_id'] or 'unknown'}, {when}"
    if served["snapshot"]:
        what += f", snapshot {served['snapshot']}"
    lines = [
        f"refresh skipped: nothing new since the last publish ({summary['run_id']})",
        f"  files  : {count(summary['files']['seen'], 'file')} seen, all already in the served marts",
        f"  served : {what}",
    ]
    if served["rolled_back"]:
        lines.append("           rolled back: newer snapshots exist (p06 snapshots, p06 rollback --to ID)")
    if summary.get("quality_report"):
        lines.append(f"  report : {summary['quality_report']}")
    lines.append("  p06 refresh --force rebuilds and publishes anyway")
    return "\n".join(lines)


def _count_if_all_published(paths: WarehousePaths, published_at: datetime) -> int | None:
    """None when a file's content is not in the work DB yet, or was ingested after the publish
    (by a refresh that did not finish, e.g. killed)."""
    if not paths.work_db.exists():
        return None
    try:
        inbox = read_inbox(paths.raw_dir, paths.work_db)
    except duckdb.Error:  # another program writes the work DB
        return None
    if not inbox.all_ingested:
        return None
    # ingested_at is naive local time (orchestration/ingest/pipeline.py)
    if inbox.last_ingested_at and inbox.last_ingested_at > published_at.astimezone(VIETNAM).replace(tzinfo=None):
        return None
    return len(inbox.files)


def _changed_since(inputs: list[Path], since: datetime | None) -> bool:
    if since is None:
        return True
    cutoff = since.timestamp()
    for top in inputs:
        if not top.exists():
            continue
        candidates = [top, *top.rglob("*")] if top.is_dir() else [top]
        if any(path.stat().st_mtime > cutoff for path in candidates):
            return True
    return False


def _parse_time(iso: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None
