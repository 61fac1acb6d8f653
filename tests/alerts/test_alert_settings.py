"""AlertSettings.from_env: what each environment variable sets, and clear messages for bad values."""

from __future__ import annotations

import re

import pytest

from orchestration.alerts import AlertSettings
from orchestration.alerts.settings import secret_values

WEBHOOK = "https://hooks.slack.com/services/T0/B0/xoxb-token"


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, {"webhook_url": None, "email_to": (), "retries": 3, "backoff_seconds": 1.0, "smtp_port": 25}),
        ({"P06_ALERT_EMAIL_TO": " a@x.vn, ,b@y.vn "}, {"email_to": ("a@x.vn", "b@y.vn")}),
        ({"P06_SMTP_STARTTLS": "Yes"}, {"smtp_starttls": True}),
        ({"P06_SMTP_STARTTLS": "0"}, {"smtp_starttls": False}),
        ({"P06_SMTP_PORT": "587", "P06_ALERT_RETRIES": "0"}, {"smtp_port": 587, "retries": 0}),
        ({"P06_ALERT_BACKOFF_SECONDS": "0.25"}, {"backoff_seconds": 0.25}),
        ({"P06_ALERT_WEBHOOK_FORMAT": "TEXT"}, {"webhook_format": "text"}),
        ({"P06_ALERT_WEBHOOK_URL": f" {WEBHOOK} "}, {"webhook_url": WEBHOOK}),
    ],
)
def test_each_variable_sets_its_setting(env, expected):
    settings = AlertSettings.from_env(env)

    assert {name: getattr(settings, name) for name in expected} == expected


@pytest.mark.parametrize(
    "env, message",
    [
        ({"P06_ALERT_RETRIES": "3.5"}, "P06_ALERT_RETRIES='3.5' is not a whole number"),
        ({"P06_ALERT_BACKOFF_SECONDS": "-1"}, "P06_ALERT_BACKOFF_SECONDS='-1' must not be negative"),
        ({"P06_SMTP_PORT": "smtp"}, "P06_SMTP_PORT='smtp' is not a whole number"),
        ({"P06_SMTP_STARTTLS": "maybe"}, "P06_SMTP_STARTTLS='maybe' is not one of"),
        ({"P06_ALERT_WEBHOOK_FORMAT": "xml"}, "P06_ALERT_WEBHOOK_FORMAT='xml' is not one of json, text"),
    ],
)
def test_a_bad_value_names_the_variable(env, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        AlertSettings.from_env(env)


def test_secrets_stay_out_of_the_settings_repr():
    settings = AlertSettings.from_env({"P06_ALERT_WEBHOOK_URL": WEBHOOK, "P06_SMTP_PASSWORD": "mat-khau"})

    assert "xoxb-token" not in repr(settings) and "mat-khau" not in repr(settings)


def test_the_secrets_include_the_webhook_token_on_its_own():
    secrets = secret_values({"P06_ALERT_WEBHOOK_URL": WEBHOOK, "P06_SMTP_PASSWORD": "mat-khau"})

    assert secrets[0] == WEBHOOK
    assert "/services/T0/B0/xoxb-token" in secrets and "mat-khau" in secrets
