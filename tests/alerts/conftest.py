"""Fixtures of the alert tests: no inherited channel settings, real servers that receive alerts."""

from __future__ import annotations

import os

import pytest
from alert_servers import running_smtp_server, running_webhook, self_signed_tls


@pytest.fixture(autouse=True)
def no_developer_alert_settings(monkeypatch):
    """Channels come only from what a test sets, never from the developer's shell."""
    for name in [name for name in os.environ if name.startswith("P06_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def webhook():
    with running_webhook() as server:
        yield server


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def tls_smtp_server(tmp_path, monkeypatch):
    """An SMTP server that requires STARTTLS, with a certificate the client trusts (SSL_CERT_FILE)."""
    cert_file, context = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with running_smtp_server(context) as server:
        yield server
