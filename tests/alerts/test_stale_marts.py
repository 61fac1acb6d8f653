"""stale_marts_alert: the published file's age from its mtime; a missing file is stale too."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from orchestration.alerts import stale_marts_alert

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def published_hours_ago(path, hours: float):
    path.write_bytes(b"not read: only the age counts")
    mtime = (NOW - timedelta(hours=hours)).timestamp()
    os.utime(path, (mtime, mtime))
    return path


@pytest.mark.parametrize(
    "hours, stale",
    [(0.5, False), (25.9, False), (26.1, True), (24 * 9, True)],
)
def test_marts_older_than_26_hours_are_stale(tmp_path, hours, stale):
    published = published_hours_ago(tmp_path / "p06.duckdb", hours)

    alert = stale_marts_alert(published, now=NOW, run_id="run-9")

    assert (alert is not None) == stale
    if stale:
        assert (alert.kind, alert.severity, alert.run_id, alert.at) == ("stale_marts", "error", "run-9", NOW)
        assert alert.payload()["age_hours"] == pytest.approx(hours, abs=0.1)
        assert datetime.fromisoformat(alert.payload()["published_at"]) == NOW - timedelta(hours=hours)


def test_the_age_limit_can_be_changed(tmp_path):
    published = published_hours_ago(tmp_path / "p06.duckdb", 3)

    assert stale_marts_alert(published, now=NOW, max_age=timedelta(hours=2)) is not None
    assert stale_marts_alert(published, now=NOW, max_age=timedelta(hours=4)) is None


def test_marts_never_published_are_stale(tmp_path):
    alert = stale_marts_alert(tmp_path / "p06.duckdb", now=NOW)

    assert alert.kind == "stale_marts"
    assert alert.title == "No published marts"
    assert str(tmp_path / "p06.duckdb") in alert.detail
