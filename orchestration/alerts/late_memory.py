"""Remembers the last late-submission alert, so the same one goes out at most once a day."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestration.settings import VIETNAM

logger = logging.getLogger(__name__)


def late_fingerprint(late_submissions: list[dict[str, Any]]) -> str:
    keys = sorted({f"{item['province_code']}|{item['period']}" for item in late_submissions})
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def operators_day(now: datetime) -> str:
    # The operators' day: a nightly 02:00 run and a retry at 09:00 fall on the same day.
    return now.astimezone(VIETNAM).date().isoformat()


def already_sent_today(state_path: Path, fingerprint: str, now: datetime) -> bool:
    last = _read(state_path).get("late_submission", {})
    return last.get("fingerprint") == fingerprint and last.get("day") == operators_day(now)


def remember_sent(state_path: Path, fingerprint: str, now: datetime) -> None:
    """Replaces the state file atomically; a failure to write only risks a repeated alert."""
    state = _read(state_path)
    state["late_submission"] = {"fingerprint": fingerprint, "day": operators_day(now), "sent_at": now.isoformat()}
    tmp = state_path.with_name(f".{state_path.name}.{os.getpid()}.tmp")
    try:
        state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        os.replace(tmp, state_path)
    except OSError as exc:
        logger.warning(
            "alert state %s not saved (%s): the same late-submission alert may repeat today", state_path, exc
        )


def _read(state_path: Path) -> dict[str, Any]:
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("alert state %s unreadable (%s): starting afresh", state_path, exc)
        return {}
    return state if isinstance(state, dict) else {}
