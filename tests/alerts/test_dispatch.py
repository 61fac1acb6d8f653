"""dispatch: alerts.jsonl always, then a real webhook and a real SMTP server; retries; no secrets out."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from alert_servers import SMTP_PASSWORD, SMTP_USER, TINY_BACKOFF, free_port

from orchestration.alerts import Alert, dispatch

AT = datetime(2026, 11, 24, 2, 5, tzinfo=UTC)
QUALITY = Alert(
    kind="quality",
    severity="error",
    title="2 quality rule(s) failed, 4 value(s) quarantined",
    detail="error vneid_activated_le_issued: 2 finding(s)",
    rules=["vneid_activated_le_issued", "percent_within_0_100"],
    run_id="run-42",
    at=AT,
    extra={"quarantined_values": 4},
)
LATE = Alert(
    kind="late_submission",
    severity="warn",
    title="1 province-period(s) past the submission deadline",
    detail="2025-Q3 (deadline 2025-10-15): 52",
    rules=["submitted_by_deadline"],
    run_id="run-42",
    at=AT,
)


def logged_alerts(warehouse_dir) -> list[dict]:
    return [json.loads(line) for line in (warehouse_dir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]


def webhook_env(url: str, retries: int = 3) -> dict[str, str]:
    return {"P06_ALERT_WEBHOOK_URL": url, "P06_ALERT_RETRIES": str(retries), "P06_ALERT_BACKOFF_SECONDS": TINY_BACKOFF}


def test_every_alert_is_appended_to_alerts_jsonl_with_the_contract_fields(tmp_path):
    dispatch([QUALITY], warehouse_dir=tmp_path, env={})
    dispatch([LATE], warehouse_dir=tmp_path, env={})

    first, second = logged_alerts(tmp_path)
    assert first["kind"] == "quality" and first["severity"] == "error"
    assert first["rules"] == ["vneid_activated_le_issued", "percent_within_0_100"]
    assert first["run_id"] == "run-42"
    assert datetime.fromisoformat(first["at"]) == AT
    assert first["quarantined_values"] == 4
    assert first["text"].startswith("[p06 ERROR] 2 quality rule(s) failed")
    assert second["kind"] == "late_submission"


def test_the_webhook_receives_the_same_json(tmp_path, webhook):
    dispatch([QUALITY, LATE], warehouse_dir=tmp_path, env=webhook_env(webhook.url))

    received = webhook.requests()
    assert [r.body for r in received] == logged_alerts(tmp_path)
    assert received[0].path == "/services/T0/B0/s3cr3t-token"
    assert received[0].content_type.startswith("application/json")
    assert received[0].body["rules"] == ["vneid_activated_le_issued", "percent_within_0_100"]
    assert datetime.fromisoformat(received[0].body["at"]).tzinfo is not None
    assert "vneid_activated_le_issued" in received[0].body["text"]


def test_the_text_format_posts_only_the_text_google_chat_accepts(tmp_path, webhook):
    env = {**webhook_env(webhook.url), "P06_ALERT_WEBHOOK_FORMAT": "text"}
    dispatch([LATE], warehouse_dir=tmp_path, env=env)

    (received,) = webhook.requests()
    assert received.body == {"text": logged_alerts(tmp_path)[0]["text"]}


def test_a_webhook_failing_twice_is_retried_and_delivers_once(tmp_path, webhook, caplog):
    webhook.statuses.extend([500, 503])
    with caplog.at_level(logging.INFO):
        dispatch([QUALITY], warehouse_dir=tmp_path, env=webhook_env(webhook.url))

    assert [r.status for r in webhook.requests()] == [500, 503, 200]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_refusal_that_will_not_change_is_not_retried(tmp_path, webhook, caplog):
    webhook.statuses.append(404)
    dispatch([QUALITY], warehouse_dir=tmp_path, env=webhook_env(webhook.url))

    assert [r.status for r in webhook.requests()] == [404]
    assert "HTTP Error 404" in caplog.text
    assert len(logged_alerts(tmp_path)) == 1


@pytest.mark.parametrize("channel", ["webhook", "smtp"])
def test_a_channel_that_stays_down_is_retried_logged_and_never_raises(tmp_path, caplog, channel):
    port = free_port()
    env = {
        "webhook": webhook_env(f"http://127.0.0.1:{port}/hook", retries=2),
        "smtp": {
            "P06_SMTP_HOST": "127.0.0.1",
            "P06_SMTP_PORT": str(port),
            "P06_ALERT_EMAIL_TO": "ops@example.vn",
            "P06_ALERT_RETRIES": "2",
            "P06_ALERT_BACKOFF_SECONDS": TINY_BACKOFF,
        },
    }[channel]
    with caplog.at_level(logging.INFO):
        dispatch([QUALITY, LATE], warehouse_dir=tmp_path, env=env)

    assert [a["kind"] for a in logged_alerts(tmp_path)] == ["quality", "late_submission"]
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and "failed" in r.getMessage()]
    assert len(retries) == 2
    waits = [float(message.rpartition("retrying in ")[2].removesuffix(" s")) for message in retries]
    assert waits == [float(TINY_BACKOFF), 2 * float(TINY_BACKOFF)]  # the backoff, then twice as long
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "quality alert not delivered" in warnings[0] and "after 3 attempts" in warnings[0]
    assert "1 more alert not sent" in warnings[1]


def smtp_env(server, **more: str) -> dict[str, str]:
    return {
        "P06_SMTP_HOST": server.host,
        "P06_SMTP_PORT": str(server.port),
        "P06_SMTP_USER": SMTP_USER,
        "P06_SMTP_PASSWORD": SMTP_PASSWORD,
        "P06_ALERT_EMAIL_TO": "ops@example.vn",
        "P06_ALERT_BACKOFF_SECONDS": TINY_BACKOFF,
        **more,
    }


def test_the_email_reaches_every_recipient_with_subject_and_body(tmp_path, smtp_server):
    env = smtp_env(
        smtp_server,
        P06_ALERT_EMAIL_FROM="p06@bocongan.gov.vn",
        P06_ALERT_EMAIL_TO="ops@example.vn, truc.ban@example.vn",
    )
    dispatch([QUALITY], warehouse_dir=tmp_path, env=env)

    (mail,) = smtp_server.mails()
    assert mail.sender == "p06@bocongan.gov.vn"
    assert mail.recipients == ["ops@example.vn", "truc.ban@example.vn"]
    assert mail.message["Subject"] == "[p06 error] 2 quality rule(s) failed, 4 value(s) quarantined"
    body = mail.message.get_content()
    assert "Rules: vneid_activated_le_issued, percent_within_0_100" in body
    assert "Run: run-42" in body


def test_starttls_protects_the_login_where_the_server_requires_it(tmp_path, tls_smtp_server, caplog):
    dispatch([LATE], warehouse_dir=tmp_path, env=smtp_env(tls_smtp_server, P06_SMTP_STARTTLS="true"))
    (mail,) = tls_smtp_server.mails()
    assert mail.message["Subject"] == "[p06 warn] 1 province-period(s) past the submission deadline"

    dispatch([LATE], warehouse_dir=tmp_path, env=smtp_env(tls_smtp_server))
    assert tls_smtp_server.mails() == []
    assert "not delivered by e-mail" in caplog.text and "1 attempt:" in caplog.text


def test_a_refused_smtp_login_is_logged_without_the_password(tmp_path, smtp_server, caplog):
    with caplog.at_level(logging.INFO):
        dispatch(
            [QUALITY], warehouse_dir=tmp_path, env=smtp_env(smtp_server, P06_SMTP_PASSWORD="wrong-" + SMTP_PASSWORD)
        )

    assert smtp_server.mails() == []
    assert "SMTPAuthenticationError" in caplog.text
    assert "1 attempt:" in caplog.text
    assert SMTP_PASSWORD not in caplog.text


def test_secrets_never_reach_alerts_jsonl_the_webhook_or_the_logs(tmp_path, webhook, caplog):
    leaky = Alert(
        kind="run_failure",
        severity="error",
        title="Run of refresh failed: nothing new published",
        detail=f"could not reach {webhook.url} with password {SMTP_PASSWORD}",
        run_id="run-43",
        at=AT,
    )
    with caplog.at_level(logging.INFO):
        dispatch([leaky], warehouse_dir=tmp_path, env={**webhook_env(webhook.url), "P06_SMTP_PASSWORD": SMTP_PASSWORD})

    written = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8")
    (posted,) = webhook.requests()
    for text in (written, json.dumps(posted.body), caplog.text):
        assert "s3cr3t-token" not in text and SMTP_PASSWORD not in text
    assert posted.body["detail"] == "could not reach [redacted] with password [redacted]"
    assert json.loads(written)["detail"] == posted.body["detail"]


def test_an_error_quoting_the_webhook_url_is_logged_redacted(tmp_path, caplog):
    url = "http://127.0.0.1:9/services/s3cr3t token"  # a space: http.client refuses and quotes the path
    dispatch([LATE], warehouse_dir=tmp_path, env=webhook_env(url))

    assert "InvalidURL" in caplog.text and "1 attempt:" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_invalid_channel_settings_are_logged_and_the_alert_is_still_written(tmp_path, caplog):
    dispatch([QUALITY], warehouse_dir=tmp_path, env={"P06_ALERT_RETRIES": "three"})

    assert len(logged_alerts(tmp_path)) == 1
    assert "P06_ALERT_RETRIES='three' is not a whole number" in caplog.text
