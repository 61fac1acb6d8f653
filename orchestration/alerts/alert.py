"""One alert: what happened, how bad, and the JSON every channel sends (CONTRACT §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("quality", "run_failure", "late_submission", "stale_marts")
PAYLOAD_KEYS = ("kind", "severity", "title", "detail", "rules", "run_id", "at", "text")
SEVERITIES = ("error", "warn")


@dataclass(frozen=True)
class Alert:
    kind: str
    severity: str
    title: str
    detail: str
    at: datetime
    rules: tuple[str, ...] = ()
    run_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """More structured fields for the payload, e.g. `findings`, `late_submissions`."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"alert kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        if self.at.tzinfo is None:
            raise ValueError(f"alert time {self.at.isoformat()} has no timezone")
        if clash := sorted(set(self.extra) & set(PAYLOAD_KEYS)):
            raise ValueError(f"extra alert fields {clash} would overwrite the payload's own")
        object.__setattr__(self, "rules", tuple(self.rules))

    @property
    def text(self) -> str:
        """One readable message: what Slack, Teams and Google Chat webhooks display."""
        lines = [f"[p06 {self.severity.upper()}] {self.title}", self.detail]
        if self.rules:
            lines.append(f"Rules: {', '.join(self.rules)}")
        if self.run_id:
            lines.append(f"Run: {self.run_id}")
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title,
            "detail": self.detail,
            "rules": list(self.rules),
            "run_id": self.run_id,
            "at": self.at.isoformat(),
            "text": self.text,
            **self.extra,
        }
