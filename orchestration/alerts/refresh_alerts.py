"""The alerts of one refresh, from its run summary (docs/architecture.md, "Run summary").

One alert per kind, listing every finding of that kind (CONTRACT §6).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from pathlib import Path
from typing import Any

from orchestration.alerts.alert import Alert
from orchestration.alerts.late_memory import already_sent_today, late_fingerprint, remember_sent
from orchestration.alerts.settings import DEFAULT_LATE_WINDOW_MONTHS
from orchestration.operations.summary import rule_outcome
from orchestration.quality.late import LATE_RULE, by_period, label, within
from orchestration.settings import VIETNAM
from orchestration.wording import count


def alerts_for_refresh(
    summary: dict[str, Any],
    *,
    now: datetime,
    state_path: Path,
    late_window_months: int = DEFAULT_LATE_WINDOW_MONTHS,
) -> list[Alert]:
    """The quality, run-failure and late-submission alerts a refresh sends (none when all is well).

    The late-submission alert covers deadlines passed in the last `late_window_months`; it is
    left out when the same province × period set was already sent on the same day
    (`state_path` keeps that memory).
    """
    run_id = summary.get("run_id")
    candidates = [
        quality_alert(summary, at=now),
        run_failure_alert(summary.get("error"), run_id=run_id, at=now) if summary.get("status") == "failed" else None,
        _late_alert_once_a_day(
            summary.get("late_submissions") or [],
            run_id=run_id,
            now=now,
            state_path=state_path,
            window_months=late_window_months,
        ),
    ]
    return [alert for alert in candidates if alert]


def quality_alert(summary: dict[str, Any], *, at: datetime) -> Alert | None:
    """Every failed rule, as the summary counts them; sent when more than late submissions (their
    own alert) went wrong."""
    failed = sorted(
        summary.get("rules", {}).get("failed", []), key=lambda rule: (rule["severity"] != "error", rule["rule"])
    )
    files_rejected = summary.get("files", {}).get("rejected", 0)
    rows_rejected = summary.get("rows", {}).get("rejected", 0)
    if not any(rule["rule"] != LATE_RULE for rule in failed) and not files_rejected and not rows_rejected:
        return None
    errors = [rule for rule in failed if rule["severity"] == "error"]
    refused = summary.get("status") == "gate_refused"
    quarantined = summary.get("quarantined_values", 0)
    counts = [
        f"{count(len(failed), 'rule')} failed" if failed else "",
        f"{count(quarantined, 'value')} held back" if quarantined else "",
        f"{count(rows_rejected, 'row')} and {count(files_rejected, 'file')} rejected"
        if files_rejected or rows_rejected
        else "",
    ]
    title = (
        "Quality gate refused to publish: previous marts still served"
        if refused
        else "Quality: " + ", ".join(part for part in counts if part)
    )
    lines = [
        f"{rule['severity']} {rule['rule']}: {count(rule['findings'], 'finding')}, {rule_outcome(rule)}"
        + (" (the late_submission alert names them)" if rule["rule"] == LATE_RULE else "")
        for rule in failed
    ]
    if files_rejected or rows_rejected:
        lines.append(f"ingestion rejected {count(files_rejected, 'file')} and {count(rows_rejected, 'row')}")
    lines.append(
        "details: marts.quality_issues" + (f", {summary['quality_report']}" if summary.get("quality_report") else "")
    )
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


def late_submission_alert(
    late: list[dict[str, Any]], *, run_id: str | None, at: datetime, window_months: int = DEFAULT_LATE_WINDOW_MONTHS
) -> Alert | None:
    """Provinces by name and code, grouped by period, for the deadlines passed within the window.

    None when no deadline in the window was missed; older ones stay in marts.submission_status.
    """
    since = months_before(at.astimezone(VIETNAM).date(), window_months)
    recent = within(late, since)
    if not recent:
        return None
    periods = by_period(recent)
    lines = [
        f"{group.period} (deadline {group.deadline}): "
        + "; ".join(
            f"{what} {', '.join(label(item) for item in items)}"
            for what, items in (("not sent:", group.not_sent), ("sent late:", group.sent_late))
            if items
        )
        for group in periods
    ]
    if earlier := len(late) - len(recent):
        lines.append(
            f"{count(earlier, 'earlier late submission')} (deadlines before {since.isoformat()}): "
            "marts.submission_status and the quality report"
        )
    return Alert(
        kind="late_submission",
        severity="warn",
        title=(
            f"{count(len(recent), 'late submission')} for {count(len(periods), 'period')} "
            f"due in the last {count(window_months, 'month')}"
        ),
        detail="\n".join(lines),
        rules=[LATE_RULE],
        run_id=run_id,
        at=at,
        extra={"late_submissions": recent, "late_window_months": window_months, "earlier_late_submissions": earlier},
    )


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _late_alert_once_a_day(
    late: list[dict[str, Any]], *, run_id: str | None, now: datetime, state_path: Path, window_months: int
) -> Alert | None:
    alert = late_submission_alert(late, run_id=run_id, at=now, window_months=window_months)
    if alert is None:
        return None
    fingerprint = late_fingerprint(alert.extra["late_submissions"])
    if already_sent_today(state_path, fingerprint, now):
        return None
    remember_sent(state_path, fingerprint, now)
    return alert
