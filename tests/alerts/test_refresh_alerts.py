"""alerts_for_refresh: one alert per kind from a run summary; late submissions at most once a day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from orchestration.alerts import alerts_for_refresh
from orchestration.ingest.parsing.periods import parse_period
from orchestration.operations.summary import format_summary
from orchestration.reference import load_provinces, province_name

VN = timezone(timedelta(hours=7))
NIGHT = datetime(2026, 11, 24, 2, 5, tzinfo=VN)
CLEAN = {
    "run_id": "run-1",
    "status": "published",
    "exit_code": 0,
    "files": {"seen": 3, "ingested": 3, "skipped": 0, "rejected": 0},
    "rows": {"accepted": 120, "rejected": 0},
    "rules": {"passed": ["vneid_activated_le_issued"], "failed": []},
    "quarantined_values": 0,
    "late_submissions": [],
    "tables_published": ["dim_province"],
    "error": None,
}


def failed(rule: str, severity: str, findings: int = 2, stage: str = "quarantine") -> dict:
    return {"rule": rule, "severity": severity, "findings": findings, "stage": stage}


def late(*keys: str, sent: str | None = None) -> list[dict]:
    """'52@2026-Q3' -> province 52 had sent nothing for 2026-Q3 by its deadline (as the run summary has it)."""
    items = []
    for key in keys:
        code, period = key.split("@")
        end = parse_period(period).end
        items.append(
            {
                "province_code": code,
                "province_name": province_name(code, date(2025, 7, 1) if end >= date(2025, 7, 1) else None),
                "period": period,
                "deadline": (end + timedelta(days=15)).isoformat(),
                "first_submitted_at": sent,
            }
        )
    return items


def summary(**changes) -> dict:
    return {**CLEAN, **changes}


CASES = {
    "clean refresh": (summary(), {}),
    "error rule failed, values quarantined": (
        summary(rules={"passed": [], "failed": [failed("vneid_activated_le_issued", "error")]}, quarantined_values=4),
        {"quality": ("error", ["vneid_activated_le_issued"])},
    ),
    "only warn rules failed": (
        summary(rules={"passed": [], "failed": [failed("stock_not_decreasing", "warn")]}),
        {"quality": ("warn", ["stock_not_decreasing"])},
    ),
    "error rules listed before warn rules": (
        summary(
            rules={
                "passed": [],
                "failed": [failed("models_deployed_le_planned", "warn"), failed("percent_within_0_100", "error")],
            }
        ),
        {"quality": ("error", ["percent_within_0_100", "models_deployed_le_planned"])},
    ),
    "rows rejected at ingestion": (
        summary(rows={"accepted": 10, "rejected": 3}),
        {"quality": ("error", [])},
    ),
    "gate refused to publish": (
        summary(
            status="gate_refused", exit_code=2, rules={"passed": [], "failed": [failed("one_value_per_key", "error")]}
        ),
        {"quality": ("error", ["one_value_per_key"])},
    ),
    "run failed": (
        summary(status="failed", exit_code=1, error="dbt_staging: Binder Error: column x not found"),
        {"run_failure": ("error", [])},
    ),
    "late provinces are their own kind, not a quality finding": (
        summary(
            rules={"passed": [], "failed": [failed("submitted_by_deadline", "warn")]},
            late_submissions=late("52@2026-Q3"),
        ),
        {"late_submission": ("warn", ["submitted_by_deadline"])},
    ),
}


@pytest.mark.parametrize("refresh, expected", CASES.values(), ids=CASES.keys())
def test_each_kind_of_finding_raises_its_alert(tmp_path, refresh, expected):
    alerts = alerts_for_refresh(refresh, now=NIGHT, state_path=tmp_path / "state.json")

    assert {a.kind: (a.severity, list(a.rules)) for a in alerts} == expected
    assert all(a.run_id == "run-1" and a.at == NIGHT for a in alerts)


def test_the_quality_alert_names_counts_and_gate_outcome(tmp_path):
    refused = summary(
        status="gate_refused",
        rules={"passed": [], "failed": [failed("vneid_issued_le_received", "error", findings=7)]},
        quarantined_values=14,
    )
    (alert,) = alerts_for_refresh(refused, now=NIGHT, state_path=tmp_path / "state.json")

    assert "refused to publish" in alert.title
    assert "error vneid_issued_le_received: 7 findings, values held back" in alert.detail
    assert alert.payload()["quarantined_values"] == 14
    assert alert.payload()["findings"] == [failed("vneid_issued_le_received", "error", findings=7)]


@pytest.mark.parametrize(
    "refresh, title",
    [
        (
            summary(rules={"passed": [], "failed": [failed("percent_within_0_100", "error")]}, quarantined_values=1),
            "Quality: 1 rule failed, 1 value held back",
        ),
        (summary(rows={"accepted": 5, "rejected": 11}, files={"rejected": 3}), "Quality: 11 rows and 3 files rejected"),
        (summary(rows={"accepted": 5, "rejected": 1}, files={"rejected": 1}), "Quality: 1 row and 1 file rejected"),
        (summary(rules={"passed": [], "failed": [failed("stock_not_decreasing", "warn")]}), "Quality: 1 rule failed"),
        (
            summary(
                rules={"passed": [], "failed": [failed("percent_within_0_100", "error")] * 2}, quarantined_values=3
            ),
            "Quality: 2 rules failed, 3 values held back",
        ),
    ],
)
def test_the_quality_title_counts_only_what_happened(tmp_path, refresh, title):
    (alert,) = alerts_for_refresh(refresh, now=NIGHT, state_path=tmp_path / "state.json")

    assert alert.title == title


def test_the_alert_counts_the_failed_rules_the_summary_prints_and_labels_warnings_as_such(tmp_path):
    refresh = summary(
        rules={
            "passed": ["one_value_per_key"],
            "failed": [
                failed("vneid_activated_le_issued", "error", findings=2),
                failed("percent_within_0_100", "error", findings=1),
                failed("stock_not_decreasing", "warn", findings=3, stage="gate"),
                failed("provinces_le_national", "warn", findings=1, stage="gate"),
                failed("submitted_by_deadline", "warn", findings=1636, stage="gate"),
            ],
        },
        quarantined_values=3,
        late_submissions=late("52@2026-Q3"),
    )
    printed = format_summary(refresh)

    quality = next(
        a for a in alerts_for_refresh(refresh, now=NIGHT, state_path=tmp_path / "s.json") if a.kind == "quality"
    )

    assert "rules  : 1 passed, 5 failed" in printed
    assert quality.title == "Quality: 5 rules failed, 3 values held back"
    assert len(quality.rules) == 5
    assert "gate" not in quality.detail and "gate" not in printed
    assert "warn stock_not_decreasing: 3 findings, warning only, published" in quality.detail
    assert "warn  provinces_le_national: 1 finding, warning only, published" in printed
    assert "error percent_within_0_100: 1 finding, values held back" in quality.detail
    assert (
        "warn submitted_by_deadline: 1,636 findings, warning only, published (the late_submission alert names them)"
        in quality.detail
    )
    assert "late   : 1 late submission" in printed


def test_a_failed_run_alert_carries_the_error(tmp_path):
    crashed = summary(status="failed", error="raw_submissions: disk full")
    (alert,) = alerts_for_refresh(crashed, now=NIGHT, state_path=tmp_path / "state.json")

    assert alert.detail == "raw_submissions: disk full"


def test_many_late_provinces_make_one_alert_naming_them_by_period(tmp_path):
    units = sorted((unit.code, unit.name) for unit in load_provinces() if unit.valid_to is None and unit.code != "00")
    provinces = [code for code, _ in units]
    overdue = late(*(f"{p}@2026-Q3" for p in provinces[1:]), *(f"{p}@2026-09" for p in provinces))
    overdue += late("01@2026-Q3", sent="2026-10-20T08:00:00")

    alerts = alerts_for_refresh(summary(late_submissions=overdue), now=NIGHT, state_path=tmp_path / "state.json")

    (alert,) = alerts
    assert alert.kind == "late_submission"
    assert alert.title == "68 late submissions for 2 periods due in the last 12 months"
    assert alert.payload()["late_submissions"] == overdue
    q3, september = alert.detail.splitlines()
    named = [f"{name} ({code})" for code, name in units]
    assert q3 == f"2026-Q3 (deadline 2026-10-15): not sent: {', '.join(named[1:])}; sent late: {named[0]}"
    assert september == f"2026-09 (deadline 2026-10-15): not sent: {', '.join(named)}"


def test_the_alert_covers_deadlines_of_the_window_and_counts_the_rest(tmp_path):
    quarters = [f"{year}-Q{q}" for year in range(2022, 2027) for q in range(1, 4 if year == 2026 else 5)]
    overdue = late(*(f"79@{quarter}" for quarter in quarters), "79@2025-12", "79@2025")

    (alert,) = alerts_for_refresh(summary(late_submissions=overdue), now=NIGHT, state_path=tmp_path / "state.json")

    assert alert.title == "6 late submissions for 6 periods due in the last 12 months"
    assert [line.split(":")[0] for line in alert.detail.splitlines()] == [
        "2026-Q3 (deadline 2026-10-15)",
        "2026-Q2 (deadline 2026-07-15)",
        "2026-Q1 (deadline 2026-04-15)",
        "2025-Q4 (deadline 2026-01-15)",
        "2025-12 (deadline 2026-01-15)",
        "2025 (deadline 2026-01-15)",
        "15 earlier late submissions (deadlines before 2025-11-24)",
    ]
    assert len(alert.payload()["late_submissions"]) == 6
    assert alert.payload()["earlier_late_submissions"] == 15


def test_no_late_alert_when_every_missed_deadline_is_older_than_the_window(tmp_path):
    backlog = summary(late_submissions=late("79@2024-Q4", "79@2025-Q3"))

    assert alerts_for_refresh(backlog, now=NIGHT, state_path=tmp_path / "state.json") == []
    (wider,) = alerts_for_refresh(backlog, now=NIGHT, state_path=tmp_path / "state.json", late_window_months=24)
    assert wider.title == "2 late submissions for 2 periods due in the last 24 months"


def test_the_same_late_submissions_alert_once_a_day(tmp_path):
    state = tmp_path / "state.json"
    overdue = summary(late_submissions=late("52@2026-Q3", "01@2026-Q3"))

    def kinds(refresh, at):
        return [a.kind for a in alerts_for_refresh(refresh, now=at, state_path=state)]

    assert kinds(overdue, NIGHT) == ["late_submission"]
    assert kinds(overdue, NIGHT.replace(hour=23, minute=59)) == []
    reordered = summary(late_submissions=late("01@2026-Q3", "52@2026-Q3"))
    assert kinds(reordered, NIGHT.replace(hour=9)) == []
    one_more = summary(late_submissions=late("52@2026-Q3", "01@2026-Q3", "79@2026-Q3"))
    assert kinds(one_more, NIGHT.replace(hour=10)) == ["late_submission"]
    assert kinds(one_more, NIGHT + timedelta(days=1)) == ["late_submission"]


def test_the_day_is_the_operators_day_in_vietnam(tmp_path):
    state = tmp_path / "state.json"
    overdue = summary(late_submissions=late("52@2026-Q3"))
    evening_utc = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 23:30 in Hà Nội

    assert alerts_for_refresh(overdue, now=evening_utc, state_path=state)
    after_midnight_vn = evening_utc + timedelta(hours=1)  # 00:30 next day in Hà Nội, same UTC day
    assert alerts_for_refresh(overdue, now=after_midnight_vn, state_path=state)


def test_an_unreadable_state_file_does_not_stop_the_alert(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{half a fil")

    alerts = alerts_for_refresh(summary(late_submissions=late("52@2026-Q3")), now=NIGHT, state_path=state)

    assert [a.kind for a in alerts] == ["late_submission"]
    assert json.loads(state.read_text())["late_submission"]["day"] == "2026-11-24"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_state_file_that_cannot_be_written_still_lets_the_alert_out(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the state folder should be")

    alerts = alerts_for_refresh(
        summary(late_submissions=late("52@2026-Q3")), now=NIGHT, state_path=blocked / "state.json"
    )

    assert [a.kind for a in alerts] == ["late_submission"]
    assert "may repeat today" in caplog.text
