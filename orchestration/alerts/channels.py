"""Where an alert payload goes: the alerts.jsonl log, a webhook, e-mail."""

from __future__ import annotations

import http.client
import json
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from orchestration.alerts.settings import AlertSettings

Payload = dict[str, Any]
_RETRYABLE_HTTP = {408, 425, 429}


def to_json(payload: Payload) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str)


def append_jsonl(path: Path, payloads: list[Payload]) -> None:
    """One line per payload, each reaching the disk before the next (O_APPEND: one write per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for payload in payloads:
            os.write(fd, (to_json(payload) + "\n").encode("utf-8"))
            os.fsync(fd)
    finally:
        os.close(fd)


class Channel(Protocol):
    name: str

    def send(self, payload: Payload) -> None: ...


@dataclass(frozen=True)
class Webhook:
    """JSON POST; the `text` field is what Slack, Teams and Google Chat display."""

    url: str
    timeout_seconds: float
    text_only: bool = False

    @property
    def name(self) -> str:
        parts = urlsplit(self.url)  # scheme and host only: the path usually holds the token
        return f"webhook {parts.scheme}://{parts.netloc.rpartition('@')[2]}"

    def send(self, payload: Payload) -> None:
        request = Request(
            self.url,
            data=to_json({"text": payload["text"]} if self.text_only else payload).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        with urlopen(request, timeout=self.timeout_seconds) as response:
            response.read()


@dataclass(frozen=True)
class Email:
    """An alert to P06_ALERT_EMAIL_TO; or, with `to`, a page (payload `subject`, `text`, `html`)."""

    settings: AlertSettings
    to: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"e-mail via {self.settings.smtp_host}:{self.settings.smtp_port}"

    def send(self, payload: Payload) -> None:
        settings = self.settings
        message = EmailMessage()
        message["From"] = settings.email_from
        message["To"] = ", ".join(self.to or settings.email_to)
        if "html" in payload:
            message["Subject"] = payload["subject"]
            message.set_content(payload["text"])
            message.add_alternative(payload["html"], subtype="html")
        else:
            message["Subject"] = f"[p06 {payload['severity']}] {payload['title']}"
            message.set_content(
                f"{payload['text']}\n\n{json.dumps(payload, ensure_ascii=False, indent=2, default=str)}\n"
            )
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)


def channels_for(settings: AlertSettings) -> list[Channel]:
    channels: list[Channel] = []
    if settings.webhook_url:
        channels.append(Webhook(settings.webhook_url, settings.timeout_seconds, settings.webhook_format == "text"))
    if settings.email_enabled:
        channels.append(Email(settings))
    return channels


def worth_retrying(error: Exception) -> bool:
    """False for refusals that will not change on their own (bad URL, rejected credentials)."""
    if isinstance(error, HTTPError):
        return error.code >= 500 or error.code in _RETRYABLE_HTTP
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    if isinstance(error, smtplib.SMTPNotSupportedError):  # e.g. no AUTH offered without STARTTLS
        return False
    return not isinstance(error, (ValueError, http.client.InvalidURL))
