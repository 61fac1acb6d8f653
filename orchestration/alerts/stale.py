"""Published marts older than the nightly cycle allows (CONTRACT §6: 26 hours)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from orchestration.alerts.alert import Alert

MAX_AGE_HOURS = 26


def stale_marts_alert(
    published_path: Path, *, now: datetime, max_age_hours: float = MAX_AGE_HOURS, run_id: str | None = None
) -> Alert | None:
    """An alert when `published_path` is missing or last replaced more than `max_age_hours` ago."""
    try:
        modified = datetime.fromtimestamp(published_path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return Alert(
            kind="stale_marts",
            severity="error",
            title="No published marts",
            detail=f"{published_path} does not exist: no refresh has published yet, BI tools have nothing to read",
            run_id=run_id,
            at=now,
            extra={"published_path": str(published_path), "published_at": None},
        )
    age_hours = (now - modified).total_seconds() / 3600
    if age_hours <= max_age_hours:
        return None
    return Alert(
        kind="stale_marts",
        severity="error",
        title=f"Published marts are {age_hours:.0f} hours old",
        detail=(
            f"{published_path} was last published at {modified.isoformat()}, more than {max_age_hours:g} hours ago: "
            "BI tools are reading old figures"
        ),
        run_id=run_id,
        at=now,
        extra={
            "published_path": str(published_path),
            "published_at": modified.isoformat(),
            "age_hours": round(age_hours, 1),
        },
    )
