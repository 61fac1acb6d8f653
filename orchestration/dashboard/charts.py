"""Plotly figures (data and layout, as plotly.js takes them) for the site's charts.

Values are plotted as printed (rounded half-up) and hover labels carry the printed text, so a
chart never shows a figure the tables do not.
"""

from __future__ import annotations

from datetime import date

from orchestration.dashboard.figures import format_date, format_rate, rounded_rate
from orchestration.dashboard.labels import GRAINS, MERGER

FONT = "system-ui, 'Segoe UI', 'Noto Sans', 'DejaVu Sans', sans-serif"
BASE_LAYOUT = {
    "separators": ",.",  # decimal comma, thousands point: plotly.js formats ticks as Vietnamese
    "font": {"family": FONT, "size": 12},
    "margin": {"l": 50, "r": 20, "t": 10, "b": 40},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "hoverlabel": {"font": {"family": FONT}},
}
# Periods of different lengths never share a line: a year is a square, a half-year dashed.
GRAIN_STYLES = {
    "year": {"mode": "markers", "marker": {"symbol": "square", "size": 9}},
    "half": {"mode": "lines+markers", "line": {"dash": "dash"}},
    "quarter": {"mode": "lines+markers"},
    "month": {"mode": "lines+markers", "line": {"width": 1}, "marker": {"size": 4}},
}
RATE_AXIS = {"ticksuffix": " %", "rangemode": "tozero", "gridcolor": "#e5e5e5", "zeroline": False}


def _trace(name: str, grain: str, rows: list[dict], column: str, style: dict) -> dict | None:
    points = [row for row in rows if row["period_grain"] == grain and row[column] is not None]
    if not points:
        return None
    grain_style = GRAIN_STYLES[grain]
    return {
        "type": "scatter",
        "mode": grain_style["mode"],
        "line": {**style.get("line", {}), **grain_style.get("line", {})},
        "marker": {**style.get("marker", {}), **grain_style.get("marker", {})},
        "name": f"{name} · {GRAINS[grain].vi}",
        "x": [row["period_end"].isoformat() for row in points],
        "y": [rounded_rate(row[column]) for row in points],
        "customdata": [[row["period"], format_rate(row[column])] for row in points],
        "hovertemplate": "%{fullData.name}<br>%{customdata[0]}: %{customdata[1]}<extra></extra>",
    }


def trend_figure(series: list[tuple[str, list[dict], dict]], column: str, merger: date | None = None) -> dict:
    """One line per series (name, scorecard rows, line style) and period grain, by period end."""
    data = [
        trace
        for name, rows, style in series
        for grain in GRAINS
        if (trace := _trace(name, grain, rows, column, style)) is not None
    ]
    layout = {
        **BASE_LAYOUT,
        "height": 320,
        "xaxis": {"type": "date", "tickformat": "%m/%Y", "gridcolor": "#f0f0f0"},
        "yaxis": RATE_AXIS,
        "legend": {"orientation": "h", "y": -0.2},
        "showlegend": True,
    }
    if merger is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": merger.isoformat(),
                "x1": merger.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#b42318", "dash": "dash", "width": 1.5},
            }
        ]
        layout["annotations"] = [
            {
                "x": merger.isoformat(),
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"color": "#b42318"},
                "text": f"{MERGER.vi} {format_date(merger)} ({MERGER.en})",
            }
        ]
    return {"data": data, "layout": layout}


def ranking_figure(rows: list[tuple[str, float]]) -> dict:
    """Horizontal bars, best first: (unit name, rate) pairs of one period."""
    ranked = sorted(rows, key=lambda pair: (-pair[1], pair[0]))
    top = max((value for _, value in ranked), default=100)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [name for name, _ in ranked],
                "x": [rounded_rate(value) for _, value in ranked],
                "text": [format_rate(value) for _, value in ranked],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{y}: %{text}<extra></extra>",
                "marker": {"color": "#1f6feb"},
            }
        ],
        "layout": {
            **BASE_LAYOUT,
            "height": 90 + 20 * len(ranked),
            "margin": {**BASE_LAYOUT["margin"], "l": 130, "r": 70},
            "xaxis": {**RATE_AXIS, "range": [0, max(100.0, top) * 1.05]},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "showlegend": False,
        },
    }


def reporting_figure(periods: list[dict]) -> dict:
    """Units expected to report, units that did, and on time, per period."""
    labels = [row["period"] for row in periods]
    bars = (
        ("Phải nộp · expected", "expected", "#c9d1d9"),
        ("Đã nộp · submitted", "submitted", "#1f6feb"),
        ("Đúng hạn · on time", "on_time", "#1a7f37"),
    )
    return {
        "data": [
            {
                "type": "bar",
                "name": name,
                "x": labels,
                "y": [row[key] for row in periods],
                "marker": {"color": color},
                "hovertemplate": "%{x}: %{y}<extra>%{fullData.name}</extra>",
            }
            for name, key, color in bars
        ],
        "layout": {
            **BASE_LAYOUT,
            "height": 300,
            "barmode": "group",
            "xaxis": {"type": "category"},
            "yaxis": {"gridcolor": "#e5e5e5", "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.25},
        },
    }
