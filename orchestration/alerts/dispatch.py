"""Sends alerts: alerts.jsonl first, then every configured channel, retried, never raising."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

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
    # imported here: 0.1 s that refreshes with no channel configured do not pay
    from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

    attempts = settings.retries + 1

    def log_retry(state: RetryCallState) -> None:
        log.info(
            f"{channel.name} attempt {state.attempt_number} of {attempts} failed: "
            f"{_reason(state.outcome.exception(), secrets)}; retrying in {state.next_action.sleep:g} s"
        )

    attempt_number = 0
    try:
        for attempt in Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=settings.backoff_seconds),  # backoff, then twice as long each time
            retry=retry_if_exception(worth_retrying),
            before_sleep=log_retry,
            reraise=True,
        ):
            with attempt:
                attempt_number = attempt.retry_state.attempt_number
                channel.send(payload)
    except Exception as exc:  # any failure of a channel is logged, never raised
        log.warning(
            f"{payload['kind']} alert not delivered by {channel.name} after {count(attempt_number, 'attempt')}: "
            f"{_reason(exc, secrets)} (it is in {ALERTS_FILE})"
        )
        return False
    return True


def _reason(error: BaseException | None, secrets: tuple[str, ...]) -> str:
    return redact(f"{type(error).__name__}: {error}", secrets)


def send_with_retries(
    channel: Channel, payload: Payload, *, env: Mapping[str, str] = os.environ, log: logging.Logger = logger
) -> bool:
    """One payload through one channel, retried like alerts; False (logged) when it stayed down."""
    return _deliver(channel, payload, AlertSettings.from_env(env), secret_values(env), log)
