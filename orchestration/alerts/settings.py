"""Alert channels, configured only through environment variables (secrets included)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
# `text` posts only {"text": ...}: Google Chat refuses a message with fields it does not know.
WEBHOOK_FORMATS = ("json", "text")
SECRET_VARIABLES = ("P06_ALERT_WEBHOOK_URL", "P06_SMTP_PASSWORD")


def secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """Values never to be written to a log, an exception message or alerts.jsonl.

    Read straight from the environment, so they are known even when other settings are invalid.
    """
    raw = [env.get(name) or "" for name in SECRET_VARIABLES]
    forms = {form for value in raw for form in (value, value.strip())}
    forms.update(_token_parts(env.get("P06_ALERT_WEBHOOK_URL") or ""))
    # Longest first, so a URL is replaced whole before its path is.
    return tuple(sorted((form for form in forms if len(form.strip()) > 1), key=len, reverse=True))


def _token_parts(url: str) -> list[str]:
    """The parts of a webhook URL that carry its token, as errors may quote them alone."""
    parts = urlsplit(url.strip())
    return [parts.path, parts.query, f"{parts.path}?{parts.query}", parts.password or ""]


@dataclass(frozen=True)
class AlertSettings:
    # The webhook URL usually embeds its token, so it is kept out of repr like the password.
    webhook_url: str | None = field(default=None, repr=False)
    webhook_format: str = "json"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    email_from: str = "p06-alerts@localhost"
    email_to: tuple[str, ...] = ()
    retries: int = 3
    """Attempts after the first one, waiting backoff_seconds, then twice as long each time."""
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AlertSettings:
        def text(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        def number(name: str, kind: type, default: float) -> float:
            raw = text(name)
            if raw is None:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number") from None
            if value < 0:
                raise ValueError(f"{name}={raw!r} must not be negative")
            return value

        def flag(name: str) -> bool:
            raw = (text(name) or "false").lower()
            if raw not in FLAGS:
                raise ValueError(f"{name}={raw!r} is not one of {', '.join(FLAGS)}")
            return FLAGS[raw]

        webhook_format = (text("P06_ALERT_WEBHOOK_FORMAT") or cls.webhook_format).lower()
        if webhook_format not in WEBHOOK_FORMATS:
            raise ValueError(f"P06_ALERT_WEBHOOK_FORMAT={webhook_format!r} is not one of {', '.join(WEBHOOK_FORMATS)}")
        return cls(
            webhook_url=text("P06_ALERT_WEBHOOK_URL"),
            webhook_format=webhook_format,
            smtp_host=text("P06_SMTP_HOST"),
            smtp_port=int(number("P06_SMTP_PORT", int, cls.smtp_port)),
            smtp_user=text("P06_SMTP_USER"),
            smtp_password=env.get("P06_SMTP_PASSWORD") or None,
            smtp_starttls=flag("P06_SMTP_STARTTLS"),
            email_from=text("P06_ALERT_EMAIL_FROM") or cls.email_from,
            email_to=tuple(a.strip() for a in (text("P06_ALERT_EMAIL_TO") or "").split(",") if a.strip()),
            retries=int(number("P06_ALERT_RETRIES", int, cls.retries)),
            backoff_seconds=number("P06_ALERT_BACKOFF_SECONDS", float, cls.backoff_seconds),
            timeout_seconds=number("P06_ALERT_TIMEOUT_SECONDS", float, cls.timeout_seconds),
        )

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.email_to)


LATE_WINDOW_VARIABLE = "P06_LATE_ALERT_MONTHS"
DEFAULT_LATE_WINDOW_MONTHS = 12


def late_window_months(env: Mapping[str, str] = os.environ) -> int:
    """How far back the late_submission alert looks: deadlines passed within this many months."""
    raw = (env.get(LATE_WINDOW_VARIABLE) or "").strip()
    if not raw:
        return DEFAULT_LATE_WINDOW_MONTHS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{LATE_WINDOW_VARIABLE}={raw!r} is not a whole number of months of at least 1")
    return int(raw)
