"""Published marts older than the nightly cycle allows (CONTRACT §6: 26 hours).

STALE_AFTER is the one definition: the published asset's Dagster freshness policy, the
stale_marts sensor and every refresh's summary all use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestration.alerts.alert import Alert

STALE_AFTER = timedelta(hours=26)


def stale_marts_alert(
    published_path: Path, *, now: datetime, max_age: timedelta = STALE_AFTER, run_id: str | None = None
) -> Alert | None:
    """An alert when `published_path` is missing or last replaced more than `max_age` ago."""
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
    age = now - modified
    if age <= max_age:
        return None
    age_hours, max_hours = age / timedelta(hours=1), max_age / timedelta(hours=1)
    return Alert(
        kind="stale_marts",
        severity="error",
        title=f"Published marts are {age_hours:.0f} hours old",
        detail=(
            f"{published_path} was last published at {modified.isoformat()}, more than {max_hours:g} hours ago: "
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
