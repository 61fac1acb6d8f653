"""The summary of one refresh, read from the Dagster event log of its run.

The same function serves `p06 refresh` (in-process) and runs launched by the daemon (schedule,
sensor, UI), so every refresh reports and alerts the same way.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.quality.late import LATE_RULE
from orchestration.quality.rules import all_rules
from orchestration.wording import count

if TYPE_CHECKING:  # importing dagster costs seconds: the no-op refresh writes summaries without it
    from dagster import DagsterInstance

PUBLISHED = "published"
GATE_REFUSED = "gate_refused"
FAILED = "failed"
EXIT_CODES = {PUBLISHED: 0, FAILED: 1, GATE_REFUSED: 2}
QUARANTINE_ASSET = "quarantined_values"


def root_cause_message(error) -> str:
    """Dagster wraps an op's own exception ("Error occurred while executing op ..."): show the cause."""
    while error.cause:
        error = error.cause
    return error.message.strip()


def _metadata_values(metadata: dict) -> dict[str, Any]:
    return {key: getattr(value, "value", value) for key, value in metadata.items()}


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _dbt_tests(run) -> str:
    """Whether dbt's data tests ran: "skipped" when the run's dbt build config left them
    out (the sensor's fast path), so no surface reads their planned checks as passed."""
    ops = ((run.run_config if run else None) or {}).get("ops", {})
    skipped = any((op.get("config") or {}).get("data_tests") is False for op in ops.values())
    return "skipped" if skipped else "run"


def summarize_run(instance: DagsterInstance, run_id: str) -> dict[str, Any]:
    """Files, rows, rules, late submissions and published tables of one refresh run."""
    from dagster import DagsterEventType, DagsterRunStatus

    levels = {rule.id: rule.severity for rule in all_rules()}
    run = instance.get_run_by_id(run_id)
    materialized: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    steps_failed = 0
    events = instance.all_logs(
        run_id,
        of_type={
            DagsterEventType.ASSET_MATERIALIZATION,
            DagsterEventType.ASSET_CHECK_EVALUATION,
            DagsterEventType.STEP_FAILURE,
            DagsterEventType.RUN_FAILURE,
        },
    )
    for entry in events:
        event = entry.dagster_event
        data = event.event_specific_data
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            mat = data.materialization
            materialized[mat.asset_key.to_user_string()] = _metadata_values(mat.metadata)
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            # the quarantine's own checks repeat its materialization's findings_by_rule
            if data.check_name in levels and data.asset_key.to_user_string() != QUARANTINE_ASSET:
                checks[data.check_name] = {
                    "passed": data.passed,
                    "severity": data.severity.value.lower(),
                    "metadata": _metadata_values(data.metadata),
                }
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            steps_failed += 1
            error = data.error
            # A failed blocking check fails its step on purpose: that is the gate, not a crash.
            if error is None or error.cls_name != "DagsterAssetCheckFailedError":
                errors.append(f"{event.step_key}: {root_cause_message(error) if error else 'failed'}")
        elif event.event_type == DagsterEventType.RUN_FAILURE and not steps_failed:
            failure = getattr(data, "error", None)
            errors.append(root_cause_message(failure) if failure else (entry.message or "run failed"))

    ingest = materialized.get("raw_submissions", {})
    quarantine = materialized.get("quarantined_values", {})
    rules_failed = {}
    for rule_id, n in (quarantine.get("findings_by_rule") or {}).items():
        if n:
            rules_failed[rule_id] = {"rule": rule_id, "severity": levels[rule_id], "findings": n, "stage": "quarantine"}
    for rule_id, check in checks.items():
        if not check["passed"]:
            rules_failed[rule_id] = {
                "rule": rule_id,
                "severity": levels[rule_id],
                "findings": int(check["metadata"].get("findings", 0)),
                "stage": "gate",
            }
    published = "published_marts" in materialized
    run_ok = run is not None and run.status == DagsterRunStatus.SUCCESS
    gate_failed = any(not c["passed"] and levels[r] == "error" for r, c in checks.items())
    if published and run_ok:
        status = PUBLISHED
    elif gate_failed and not errors:
        status = GATE_REFUSED
    else:
        status = FAILED
    late = (checks.get(LATE_RULE) or {}).get("metadata", {}).get("late_submissions", [])
    stats = run and instance.get_run_stats(run_id)
    return {
        "run_id": run_id,
        "status": status,
        "exit_code": EXIT_CODES[status],
        "started_at": _iso(stats.start_time if stats else None),
        "finished_at": _iso(stats.end_time if stats else None),
        "files": {k: int(ingest.get(f"files_{k}", 0)) for k in ("seen", "ingested", "skipped", "rejected")},
        "rows": {k: int(ingest.get(f"rows_{k}", 0)) for k in ("accepted", "rejected")},
        "not_read": list(ingest.get("not_read") or []),
        "rules": {
            "passed": sorted(set(levels) - set(rules_failed)),
            "failed": sorted(rules_failed.values(), key=lambda r: r["rule"]),
        },
        "quarantined_values": int(quarantine.get("quarantined_values", 0)),
        "late_submissions": list(late),
        "tables_published": list(materialized.get("published_marts", {}).get("tables", [])) if published else [],
        "quality_report": quarantine.get("report"),
        "dbt_tests": _dbt_tests(run),
        "error": "; ".join(errors) or None,
    }


def summary_without_run(run_id: str, status: str, at: str, **fields: Any) -> dict[str, Any]:
    """A summary for a refresh that ran no Dagster steps (failed before its run, or a no-op)."""
    return {
        "run_id": run_id,
        "status": status,
        "exit_code": EXIT_CODES[status],
        "started_at": at,
        "finished_at": at,
        "files": {"seen": 0, "ingested": 0, "skipped": 0, "rejected": 0},
        "rows": {"accepted": 0, "rejected": 0},
        "rules": {"passed": [], "failed": []},
        "quarantined_values": 0,
        "late_submissions": [],
        "tables_published": [],
        "error": None,
        **fields,
    }


def write_summary(summary: dict[str, Any], path: Path) -> None:
    """last_refresh.json, replaced atomically so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def rule_outcome(failed_rule: dict[str, Any]) -> str:
    """What a failed rule did to this refresh, in words: only error-level rules hold back or gate."""
    if failed_rule["severity"] != "error":
        return "warning only, published"
    return "refused the publish" if failed_rule["stage"] == "gate" else "values held back"


def format_summary(summary: dict[str, Any]) -> str:
    """The few lines `p06 refresh` prints."""
    files, rows, rules = summary["files"], summary["rows"], summary["rules"]
    lines = [
        f"refresh {summary['status']} (run {summary['run_id']})",
        f"  files  : {files['seen']} seen, {files['ingested']} ingested, "
        f"{files['skipped']} skipped, {files['rejected']} rejected",
        f"  rows   : {rows['accepted']} accepted, {rows['rejected']} rejected, "
        f"{count(summary['quarantined_values'], 'value')} held back",
        f"  rules  : {len(rules['passed'])} passed, {len(rules['failed'])} failed"
        + "".join(
            f"\n           {r['severity']:5} {r['rule']}: {count(r['findings'], 'finding')}, {rule_outcome(r)}"
            for r in rules["failed"]
        ),
        f"  late   : {count(len(summary['late_submissions']), 'late submission')} (province × period, all periods)",
        f"  tables : {', '.join(summary['tables_published']) or 'none published'}",
    ]
    lines += [f"  not read: {note}" for note in summary.get("not_read") or []]
    if summary.get("dbt_tests") == "skipped":
        lines.append("  dbt tests: skipped (fast path; contracts and every rule checked, dbt tests run nightly)")
    if summary.get("quality_report"):
        lines.append(f"  report : {summary['quality_report']}")
    if summary.get("error"):
        lines.append(f"  error  : {summary['error']}")
    return "\n".join(lines)
