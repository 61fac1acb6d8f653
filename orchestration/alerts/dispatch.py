"""Sends alerts: alerts.jsonl first, then every configured channel, retried, never raising."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

from orchestration.alerts.alert import Alert
from orchestration.alerts.channels import Channel, Payload, append_jsonl, channels_for, worth_retrying
from orchestration.alerts.settings import AlertSettings, secret_values
from orchestration.wording import count

ALERTS_FILE = "alerts.jsonl"
REDACTED = "[redacted]"
logger = logging.getLogger(__name__)


def redact(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every secret replaced, inside strings, lists and dicts."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: redact(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item, secrets) for item in value]
    return value


def dispatch(
    alerts: Iterable[Alert],
    *,
    warehouse_dir: Path,
    env: Mapping[str, str] = os.environ,
    log: logging.Logger = logger,
) -> None:
    """Append each alert to warehouse_dir/alerts.jsonl, then post and e-mail it where configured.

    A channel that stays down is logged and skipped: this never raises.
    """
    secrets = secret_values(env)
    payloads = [redact(alert.payload(), secrets) for alert in alerts]
    if not payloads:
        return
    try:
        append_jsonl(Path(warehouse_dir) / ALERTS_FILE, payloads)
    except OSError as exc:
        log.error(redact(f"alerts could not be written to {ALERTS_FILE}: {exc}", secrets))
    try:
        settings = AlertSettings.from_env(env)
    except ValueError as exc:
        log.error(redact(f"alert channels not used, their settings are invalid: {exc}", secrets))
        return
    for channel in channels_for(settings):
        _deliver_all(channel, payloads, settings, secrets, log)


def _deliver_all(
    channel: Channel, payloads: list[Payload], settings: AlertSettings, secrets: tuple[str, ...], log: logging.Logger
) -> None:
    for index, payload in enumerate(payloads):
        if not _deliver(channel, payload, settings, secrets, log):
            if left := len(payloads) - index - 1:
                log.warning(
                    f"{channel.name} is down: {count(left, 'more alert')} not sent there (all are in {ALERTS_FILE})"
                )
            return


def _deliver(
    channel: Channel, payload: Payload, settings: AlertSettings, secrets: tuple[str, ...], log: logging.Logger
) -> bool:
    attempts = settings.retries + 1  # at least one: every path in the loop returns
    for attempt in range(1, attempts + 1):
        try:
            channel.send(payload)
            return True
        except Exception as exc:  # any failure of a channel is logged, never raised
            reason = redact(f"{type(exc).__name__}: {exc}", secrets)
            if attempt == attempts or not worth_retrying(exc):
                log.warning(
                    f"{payload['kind']} alert not delivered by {channel.name} after {count(attempt, 'attempt')}: "
                    f"{reason} (it is in {ALERTS_FILE})"
                )
                return False
            delay = settings.backoff_seconds * 2 ** (attempt - 1)
            log.info(f"{channel.name} attempt {attempt} of {attempts} failed: {reason}; retrying in {delay:g} s")
            time.sleep(delay)
