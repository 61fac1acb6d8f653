"""The late_submission alert as it arrives: from the deadline rule's findings over a real DuckDB
status table to a real webhook and a real SMTP server, covering the window's deadlines by name."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from alert_servers import TINY_BACKOFF

from orchestration.ingest.parsing.periods import make_period
from orchestration.operations.finish import send_alerts
from orchestration.quality.evaluate import gate
from orchestration.quality.late import LATE_RULE, late_submissions
from orchestration.reference import load_provinces
from orchestration.settings import WarehousePaths, today_in_vietnam

STATUS_DDL = """
create schema marts; create schema intermediate;
create table intermediate.int_indicator_values_resolved (
    province_code varchar, province_valid_from date, period varchar, period_grain varchar,
    period_start date, period_end date, indicator_code varchar, unit varchar,
    time_aggregation varchar, additive boolean, value double, submitted_at timestamp,
    ingested_at timestamp, source_file varchar, sheet varchar, source_row bigint,
    file_hash varchar, load_id bigint, versions_sent bigint
);
create table marts.submission_status (
    province_code varchar, province_name varchar, province_valid_from date, period varchar,
    deadline date, submitted boolean, first_submitted_at timestamp, on_time boolean
);
"""


def quarter_containing(day: date):
    return make_period("quarter", day.year, (day.month - 1) // 3 + 1)


TODAY = today_in_vietnam()
RECENT = quarter_containing(TODAY - timedelta(days=120))  # deadline 1-4 months ago
OLD = quarter_containing(TODAY - timedelta(days=28 * 31))  # deadline 2-3 years ago


def status_row(code: str, period, sent_days_after_deadline: int | None) -> tuple:
    unit = next(u for u in load_provinces() if u.code == code and u.valid_on(period.end))
    deadline = period.end + timedelta(days=15)
    sent = None if sent_days_after_deadline is None else deadline + timedelta(days=sent_days_after_deadline)
    return (code, unit.name, unit.valid_from, period.code, deadline, sent is not None, sent, None)


@pytest.fixture
def summary(tmp_path) -> dict:
    """The run summary of a refresh whose deadline check found these statuses."""
    with duckdb.connect(str(tmp_path / "work.duckdb")) as con:
        con.execute(STATUS_DDL)
        con.executemany(
            "insert into marts.submission_status values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                status_row("01", RECENT, None),  # never sent
                status_row("79", RECENT, 5),  # sent 5 days late
                status_row("52", RECENT, -3),  # on time
                status_row("52", OLD, None),  # never sent, long ago
            ],
        )
        (result,) = [
            r
            for r in gate(con, source="intermediate.int_indicator_values_resolved", as_of=TODAY)
            if r.rule.id == LATE_RULE
        ]
    return {"run_id": "run-7", "status": "published", "late_submissions": late_submissions(result.findings)}


@pytest.fixture
def channels(monkeypatch, webhook, smtp_server):
    for name, value in {
        "P06_ALERT_WEBHOOK_URL": webhook.url,
        "P06_SMTP_HOST": smtp_server.host,
        "P06_SMTP_PORT": str(smtp_server.port),
        "P06_ALERT_EMAIL_TO": "ops@example.vn",
        "P06_ALERT_BACKOFF_SECONDS": TINY_BACKOFF,
    }.items():
        monkeypatch.setenv(name, value)
    return webhook, smtp_server


def late_alert_received(webhook, smtp_server) -> tuple[dict, str]:
    (body,) = [request.body for request in webhook.requests() if request.body["kind"] == "late_submission"]
    (mail,) = [m for m in smtp_server.mails() if "late submission" in m.message["Subject"]]
    return body, mail.message["Subject"]


def test_the_alert_names_the_provinces_late_for_the_deadlines_of_the_last_12_months(summary, channels, tmp_path):
    send_alerts(summary, WarehousePaths(tmp_path / "raw", tmp_path / "warehouse"))

    body, subject = late_alert_received(*channels)
    assert body["title"] == "2 late submissions for 1 period due in the last 12 months"
    assert subject == f"[p06 warn] {body['title']}"
    deadline = RECENT.end + timedelta(days=15)
    assert body["detail"].splitlines() == [
        f"{RECENT.code} (deadline {deadline}): not sent: Hà Nội (01); sent late: Hồ Chí Minh (79)",
        f"1 earlier late submission (deadlines before {body['detail'].split('before ')[1][:10]}): "
        "marts.submission_status and the quality report",
    ]
    assert [(item["province_code"], item["period"]) for item in body["late_submissions"]] == [
        ("01", RECENT.code),
        ("79", RECENT.code),
    ]


def test_a_wider_window_set_in_the_environment_reaches_back_to_older_deadlines(
    summary, channels, monkeypatch, tmp_path
):
    monkeypatch.setenv("P06_LATE_ALERT_MONTHS", "48")

    send_alerts(summary, WarehousePaths(tmp_path / "raw", tmp_path / "warehouse"))

    body, _ = late_alert_received(*channels)
    assert body["title"] == "3 late submissions for 2 periods due in the last 48 months"
    assert body["detail"].splitlines()[1] == (
        f"{OLD.code} (deadline {OLD.end + timedelta(days=15)}): not sent: Bình Định (52)"
    )


def test_a_window_that_is_not_a_number_is_reported_and_the_default_used(
    summary, channels, monkeypatch, tmp_path, caplog
):
    monkeypatch.setenv("P06_LATE_ALERT_MONTHS", "a year")

    send_alerts(summary, WarehousePaths(tmp_path / "raw", tmp_path / "warehouse"))

    body, _ = late_alert_received(*channels)
    assert body["title"].endswith("due in the last 12 months")
    assert "P06_LATE_ALERT_MONTHS='a year' is not a whole number of months" in caplog.text
