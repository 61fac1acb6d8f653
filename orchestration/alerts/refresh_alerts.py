"""The alerts of one refresh, from its run summary (docs/architecture.md, "Run summary").

One alert per kind, listing every finding of that kind (CONTRACT §6).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from orchestration.alerts.alert import Alert
from orchestration.alerts.late_memory import already_sent_today, late_fingerprint, remember_sent
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.periods import parse_period

LATE_RULE = "submitted_by_deadline"  # reported by its own alert kind, not as a quality finding
DEADLINE_AFTER_PERIOD_END = timedelta(days=15)  # CONTRACT §4
PERIODS_LISTED = 6  # in the message; a backlog since 2022 would otherwise fill a chat window


def alerts_for_refresh(summary: dict[str, Any], *, now: datetime, state_path: Path) -> list[Alert]:
    """The quality, run-failure and late-submission alerts a refresh sends (none when all is well).

    The late-submission alert is left out when the same province × period set was already sent
    on the same day; `state_path` keeps that memory.
    """
    run_id = summary.get("run_id")
    candidates = [
        quality_alert(summary, at=now),
        run_failure_alert(summary.get("error"), run_id=run_id, at=now) if summary.get("status") == "failed" else None,
        _late_alert_once_a_day(summary.get("late_submissions") or [], run_id=run_id, now=now, state_path=state_path),
    ]
    return [alert for alert in candidates if alert]


def quality_alert(summary: dict[str, Any], *, at: datetime) -> Alert | None:
    failed = [rule for rule in summary.get("rules", {}).get("failed", []) if rule["rule"] != LATE_RULE]
    failed.sort(key=lambda rule: (rule["severity"] != "error", rule["rule"]))
    files_rejected = summary.get("files", {}).get("rejected", 0)
    rows_rejected = summary.get("rows", {}).get("rejected", 0)
    if not failed and not files_rejected and not rows_rejected:
        return None
    errors = [rule for rule in failed if rule["severity"] == "error"]
    refused = summary.get("status") == "gate_refused"
    quarantined = summary.get("quarantined_values", 0)
    counts = [
        f"{len(failed)} rule(s) failed" if failed else "",
        f"{quarantined} value(s) quarantined" if quarantined else "",
        f"{rows_rejected} row(s) and {files_rejected} file(s) rejected" if files_rejected or rows_rejected else "",
    ]
    title = (
        "Quality gate refused to publish: previous marts still served"
        if refused
        else "Quality: " + ", ".join(count for count in counts if count)
    )
    lines = [f"{rule['severity']} {rule['rule']}: {rule['findings']} finding(s)" for rule in failed]
    if files_rejected or rows_rejected:
        lines.append(f"ingestion rejected {files_rejected} file(s) and {rows_rejected} row(s)")
    lines.append("details: marts.quality_issues" + (f", {summary['quality_report']}" if summary.get("quality_report") else ""))
    return Alert(
        kind="quality",
        severity="error" if errors or refused or files_rejected or rows_rejected else "warn",
        title=title,
        detail="\n".join(lines),
        rules=[rule["rule"] for rule in failed],
        run_id=summary.get("run_id"),
        at=at,
        extra={
            "findings": failed,
            "quarantined_values": quarantined,
            "rejected": {"files": files_rejected, "rows": rows_rejected},
        },
    )


def run_failure_alert(error: str | None, *, run_id: str | None, at: datetime, job_name: str = "refresh") -> Alert:
    return Alert(
        kind="run_failure",
        severity="error",
        title=f"Run of {job_name} failed: nothing new published",
        detail=error or "the run failed without an error message; see its logs in the Dagster UI",
        run_id=run_id,
        at=at,
        extra={"job": job_name},
    )


def late_submission_alert(late: list[dict[str, Any]], *, run_id: str | None, at: datetime) -> Alert:
    """Late provinces grouped by period, latest first; the full list stays in `late_submissions`."""
    provinces_by_period: dict[str, list[str]] = defaultdict(list)
    for item in late:
        provinces_by_period[item["period"]].append(item["province_code"])
    # Latest end first; of periods ending together, the shortest (latest start) first.
    periods = sorted(provinces_by_period, key=_end_and_start, reverse=True)
    lines = [
        f"{period} (deadline {_deadline(period)}): {', '.join(sorted(provinces_by_period[period]))}"
        for period in periods[:PERIODS_LISTED]
    ]
    if earlier := periods[PERIODS_LISTED:]:
        lines.append(f"and {len(earlier)} earlier period(s), {earlier[-1]} to {earlier[0]}: see marts.submission_status")
    return Alert(
        kind="late_submission",
        severity="warn",
        title=f"{len(late)} province-period(s) past the submission deadline",
        detail="\n".join(lines),
        rules=[LATE_RULE],
        run_id=run_id,
        at=at,
        extra={"late_submissions": late},
    )


def _end_and_start(period: str) -> tuple[date, date]:
    """An unreadable period code sorts last and shows no deadline."""
    try:
        parsed = parse_period(period)
    except ParseError:
        return date.min, date.min
    return parsed.end, parsed.start


def _deadline(period: str) -> str:
    end, _ = _end_and_start(period)
    return (end + DEADLINE_AFTER_PERIOD_END).isoformat() if end != date.min else "unknown"


def _late_alert_once_a_day(
    late: list[dict[str, Any]], *, run_id: str | None, now: datetime, state_path: Path
) -> Alert | None:
    if not late:
        return None
    fingerprint = late_fingerprint(late)
    if already_sent_today(state_path, fingerprint, now):
        return None
    remember_sent(state_path, fingerprint, now)
    return late_submission_alert(late, run_id=run_id, at=now)
