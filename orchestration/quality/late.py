"""Late submissions as people read them: by period, latest deadline first, provinces by name.

The deadline itself is submission_status's (its `deadline` column); nothing here computes one.
Used by the submitted_by_deadline check (its metadata feeds the run summary and the alert) and
the quality report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from orchestration.reference import province_label, province_name

LATE_RULE = "submitted_by_deadline"


@dataclass(frozen=True)
class LatePeriod:
    period: str
    deadline: str | None
    not_sent: list[dict[str, Any]]
    sent_late: list[dict[str, Any]]

    @property
    def provinces(self) -> int:
        return len(self.not_sent) + len(self.sent_late)


def _missing(value) -> bool:
    return value is None or value != value  # NaN and NaT differ from themselves


def _iso(value, *, day: bool = False) -> str | None:
    if _missing(value):
        return None
    if day and hasattr(value, "date"):
        value = value.date()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def late_submissions(findings) -> list[dict[str, Any]]:
    """One record per late province x period from the rule's findings (a pandas frame with the
    status table's `deadline` and `first_submitted_at` beside each finding)."""
    records = []
    for row in findings.drop_duplicates(["province_code", "province_valid_from", "period"]).to_dict("records"):
        valid_from = None if _missing(row.get("province_valid_from")) else row["province_valid_from"]
        records.append(
            {
                "province_code": row["province_code"],
                "province_name": province_name(row["province_code"], valid_from),
                "period": row["period"],
                "deadline": _iso(row.get("deadline"), day=True),
                "first_submitted_at": _iso(row.get("first_submitted_at")),
            }
        )
    return records


def by_period(late: Iterable[dict[str, Any]]) -> list[LatePeriod]:
    """Late submissions grouped by period, latest deadline first (ties: the period code, descending)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in late:
        groups.setdefault(item["period"], []).append(item)
    periods = []
    for period, items in groups.items():
        items = sorted(items, key=lambda item: item["province_code"])
        periods.append(
            LatePeriod(
                period=period,
                deadline=items[0].get("deadline"),
                not_sent=[item for item in items if not item.get("first_submitted_at")],
                sent_late=[item for item in items if item.get("first_submitted_at")],
            )
        )
    return sorted(periods, key=lambda group: (group.deadline or "", group.period), reverse=True)


def within(late: list[dict[str, Any]], since: date) -> list[dict[str, Any]]:
    """The late submissions whose deadline is on or after `since` (none without a known deadline)."""
    return [item for item in late if item.get("deadline") and date.fromisoformat(item["deadline"][:10]) >= since]


def label(item: dict[str, Any]) -> str:
    """`Hà Nội (01)`: a province as the alert and the report name it."""
    return province_label(item["province_code"], item.get("province_name"))
