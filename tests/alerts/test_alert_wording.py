"""The quality alert as it arrives on a real webhook and in a real mailbox says what the printed
run summary says: the same number of failed rules, warn-level rules as warnings, counts in words."""

from __future__ import annotations

from alert_servers import TINY_BACKOFF

from orchestration.operations.finish import send_alerts
from orchestration.operations.summary import format_summary
from orchestration.settings import WarehousePaths


def failed(rule: str, severity: str, findings: int, stage: str) -> dict:
    return {"rule": rule, "severity": severity, "findings": findings, "stage": stage}


SUMMARY = {
    "run_id": "run-9",
    "status": "published",
    "exit_code": 0,
    "files": {"seen": 40, "ingested": 36, "skipped": 1, "rejected": 3},
    "rows": {"accepted": 1166, "rejected": 1},
    "rules": {
        "passed": ["one_value_per_key"],
        "failed": [
            failed("cccd_issued_le_eligible", "warn", 2, "gate"),
            failed("percent_within_0_100", "error", 1, "quarantine"),
            failed("submitted_by_deadline", "warn", 1636, "gate"),
            failed("value_outlier_mad", "warn", 4, "gate"),
            failed("vneid_activated_le_issued", "error", 2, "quarantine"),
        ],
    },
    "quarantined_values": 3,
    "late_submissions": [],
    "tables_published": ["dim_province"],
    "error": None,
}


def test_the_alert_received_counts_what_the_summary_prints(tmp_path, monkeypatch, webhook, smtp_server):
    for name, value in {
        "P06_ALERT_WEBHOOK_URL": webhook.url,
        "P06_SMTP_HOST": smtp_server.host,
        "P06_SMTP_PORT": str(smtp_server.port),
        "P06_ALERT_EMAIL_TO": "ops@example.vn",
        "P06_ALERT_BACKOFF_SECONDS": TINY_BACKOFF,
    }.items():
        monkeypatch.setenv(name, value)

    send_alerts(SUMMARY, WarehousePaths(tmp_path / "raw", tmp_path / "warehouse"))

    printed = format_summary(SUMMARY)
    (body,) = [request.body for request in webhook.requests() if request.body["kind"] == "quality"]
    (mail,) = [m for m in smtp_server.mails() if m.message["Subject"].startswith("[p06 error] Quality")]
    assert "rules  : 1 passed, 5 failed" in printed
    assert body["title"] == "Quality: 5 rules failed, 3 values held back, 1 row and 3 files rejected"
    assert mail.message["Subject"] == f"[p06 error] {body['title']}"
    assert len(body["rules"]) == 5
    assert "warn cccd_issued_le_eligible: 2 findings, warning only, published" in body["detail"]
    assert "error percent_within_0_100: 1 finding, values held back" in body["detail"]
    assert "gate" not in body["detail"] and "gate" not in printed
    assert "(s)" not in body["text"] and "(s)" not in printed
