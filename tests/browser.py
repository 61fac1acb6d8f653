"""Headless Debian Chromium for the UI tests (scorecard site, Dagster UI): rendered DOM, screenshot, console."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# With --enable-logging=stderr, every console message and uncaught error is logged as
# `[...:INFO:CONSOLE:12] "message", source: file:///... (12)`.
CONSOLE_LINE = re.compile(r":CONSOLE[:(]")


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]


def render(url: str, screenshot: Path, profile: Path, window: str = "1400,2400") -> Rendered:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh (make test does)")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    browser = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            f"--window-size={window}",
            "--virtual-time-budget=15000",
            f"--screenshot={screenshot}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert browser.returncode == 0, browser.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return Rendered(browser.stdout, [line for line in browser.stderr.splitlines() if CONSOLE_LINE.search(line)])


def charts_drawn(dom: str) -> int:
    """Charts plotly.js has drawn: a div.chart it took over (js-plotly-plot) with its SVG inside."""
    charts = re.split(r'<div class="chart js-plotly-plot', dom)[1:]
    return sum(1 for chart in charts if '<svg class="main-svg"' in chart)


def figures_in(html: str) -> int:
    """Charts a page asks for: one JSON figure per chart."""
    return html.count('<script type="application/json" class="figure">')
