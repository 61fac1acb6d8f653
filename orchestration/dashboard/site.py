"""Build warehouse/dashboard/ from the published marts: pages written aside, swapped in at once.

`dashboard` is a symbolic link to a hidden folder holding one complete build; a new build
goes to a new folder and the link is replaced with os.replace (atomic), so a browser or a
static file server never sees a half-built site, and the previous build is removed after.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from orchestration.dashboard.charts import ranking_figure, reporting_figure, trend_figure
from orchestration.dashboard.figures import format_count, format_date, format_rate, format_yes_no, page_name
from orchestration.dashboard.labels import GRAINS, RATES, SEVERITIES, TODAY_BOUNDARIES
from orchestration.dashboard.published import CurrentUnit, Published, Unit, read_published
from orchestration.settings import VIETNAM, WarehousePaths

HERE = Path(__file__).parent
STATIC_FILES = ("site.css", "charts.js")
REPORTING_PERIODS_SHOWN = 16
UNIT_COLORS = ("#1f6feb", "#bf8700", "#8250df", "#1a7f37", "#cf222e", "#0a7ea4")
TODAY_STYLE = {"line": {"color": "#222", "dash": "dot", "width": 3}, "marker": {"color": "#222", "symbol": "diamond"}}


@dataclass(frozen=True)
class DashboardResult:
    site: Path
    pages: int


def plotly_js() -> Path:
    """plotly.js as the plotly wheel ships it (found without importing plotly's Python side)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed (pip install -e . installs it)")
    return Path(spec.submodule_search_locations[0]) / "package_data" / "plotly.min.js"


@cache
def _environment() -> Environment:
    """One per process: it keeps the compiled templates for the next build of a long-lived worker."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(rate=format_rate, count=format_count, day=format_date, yes_no=format_yes_no)
    env.globals.update(RATES=RATES, GRAINS=GRAINS, SEVERITIES=SEVERITIES)
    return env


def _latest_ranking(units: list[CurrentUnit], column: str) -> tuple[str | None, list[tuple[str, float]]]:
    """The latest period with this rate for any current unit, and their values in it.

    Periods ending on the same day (2025 and 2025-Q4): the one more units reported, then the
    longer one.
    """
    by_period: dict[tuple, list[tuple[str, float]]] = {}
    for unit in units:
        for row in unit.current:
            if row[column] is not None:
                key = (row["period_end"], row["period_start"], row["period"])
                by_period.setdefault(key, []).append((unit.unit.name, row[column]))
    if not by_period:
        return None, []
    key = max(by_period, key=lambda k: (k[0], len(by_period[k]), -k[1].toordinal()))
    return key[2], by_period[key]


def _unit_label(unit: Unit) -> str:
    if unit.valid_to is None:
        return f"{unit.name} (từ {format_date(unit.valid_from)})"
    return f"{unit.name} (mã {unit.code}, đến {format_date(unit.valid_to)})"


def _unit_series(today: CurrentUnit) -> list[tuple[str, list[dict], dict]]:
    series = []
    ended_first = sorted(today.predecessors, key=lambda unit: unit.valid_to is None)
    for index, unit in enumerate(ended_first):
        rows = [
            row
            for row in today.as_reported
            if (row["province_code"], row["province_valid_from"]) == (unit.code, unit.valid_from)
        ]
        color = UNIT_COLORS[index % len(UNIT_COLORS)]
        series.append((_unit_label(unit), rows, {"line": {"color": color}, "marker": {"color": color}}))
    series.append((f"{today.unit.name} {TODAY_BOUNDARIES.vi}", today.current, TODAY_STYLE))
    return series


def _index_page(published: Published, links: dict[str, str], published_at: datetime) -> dict:
    rates = []
    for column in RATES:
        period, ranked = _latest_ranking(published.units, column)
        rates.append(
            {
                "column": column,
                "trend": trend_figure([("Toàn quốc", published.national, {})], column)
                if any(row[column] is not None for row in published.national)
                else None,
                "ranking_period": period,
                "ranking": ranking_figure(ranked) if ranked else None,
            }
        )
    reporting = published.reporting[-REPORTING_PERIODS_SHOWN:]
    return {
        "published_at": published_at,
        "rates": rates,
        "reporting": reporting,
        "reporting_latest": _latest_reporting(published.reporting),
        "reporting_chart": reporting_figure(reporting) if reporting else None,
        "reporting_source": published.reporting_source,
        "quality": published.quality,
        "units": published.units,
        "links": links,
    }


def _latest_reporting(periods: list[dict]) -> dict | None:
    """The last period whose deadline has a meaning today: ended before today in Vietnam."""
    today = datetime.now(VIETNAM).date()
    ended = [row for row in periods if row["period_end"] < today]
    return ended[-1] if ended else None


def _newest_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (row["period_end"], row["period_start"]), reverse=True)


def _unit_page(today: CurrentUnit, published_at: datetime, notes_published: bool) -> dict:
    # The day the unit took its present boundaries, when it replaced units that ended then.
    merger = today.unit.valid_from if any(unit.valid_to for unit in today.predecessors) else None
    series = _unit_series(today)
    charts = {
        column: trend_figure(series, column, merger)
        for column in RATES
        if any(row[column] is not None for _, rows, _ in series for row in rows)
    }
    return {
        "published_at": published_at,
        "today": today,
        "merged_from": [unit for unit in today.predecessors if unit != today.unit],
        "merger": merger,
        "charts": charts,
        "as_reported": _newest_first(today.as_reported),
        "current": _newest_first(today.current),
        "notes_published": notes_published,
    }


def render_site(published: Published, published_at: datetime) -> dict[str, str]:
    """Every page of the site: {file name: HTML}."""
    env = _environment()
    with_data = [unit for unit in published.units if unit.has_data]
    links = {unit.unit.code: page_name(unit.unit.code, unit.unit.name) for unit in with_data}
    pages = {"index.html": env.get_template("index.html").render(**_index_page(published, links, published_at))}
    unit_template = env.get_template("unit.html")
    for unit in with_data:
        context = _unit_page(unit, published_at, published.notes_published)
        pages[links[unit.unit.code]] = unit_template.render(**context)
    return pages


def _write_build(pages: dict[str, str], folder: Path) -> None:
    folder.mkdir()
    for name, html in pages.items():
        (folder / name).write_text(html, encoding="utf-8")
    for name in STATIC_FILES:
        shutil.copyfile(HERE / "static" / name, folder / name)
    shutil.copyfile(plotly_js(), folder / "plotly.min.js")


def _swap_in(build: Path, site: Path) -> None:
    link = site.with_name(f".{site.name}.{uuid.uuid4().hex}.link")
    os.symlink(build.name, link, target_is_directory=True)
    if site.is_dir() and not site.is_symlink():
        # A copy of the warehouse that followed the link holds a real folder: set it aside.
        os.rename(site, site.with_name(f".{site.name}.{uuid.uuid4().hex}.old"))
    os.replace(link, site)


def _remove_other_builds(site: Path, keep: Path) -> None:
    for leftover in site.parent.glob(f".{site.name}.*"):
        if leftover != keep:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def build_dashboard(paths: WarehousePaths) -> DashboardResult:
    """Rebuild the site from p06.duckdb as published now; the previous site stays until the swap."""
    published = read_published(paths.published_db)
    published_at = datetime.fromtimestamp(paths.published_db.stat().st_mtime, UTC).astimezone(VIETNAM)
    pages = render_site(published, published_at)
    site = paths.dashboard_dir
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    build = site.with_name(f".{site.name}.{stamp}")
    try:
        _write_build(pages, build)
        _swap_in(build, site)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _remove_other_builds(site, keep=build)
    return DashboardResult(site, len(pages))
