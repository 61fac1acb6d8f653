"""Figures and labels as the Vietnamese reports print them: 91,79 %, 1.224.975, 01/07/2025."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from orchestration.ingest.parsing.text import fold

MISSING = "–"
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _grouped(number: Decimal, decimals: int) -> str:
    """Thousands with '.', decimals with ','."""
    english = f"{number:,.{decimals}f}"
    return english.replace(",", " ").replace(".", ",").replace(" ", ".")


def format_rate(value) -> str:
    """A percent rounded half-up to 2 decimals: 91.785 -> '91,79 %'."""
    if _is_missing(value):
        return MISSING
    # repr gives the shortest decimal that reads back as the same double: 91.785 stays 91.785.
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{_grouped(rounded, 2)} %"


def format_count(value) -> str:
    """A whole number with '.' between thousands: 1224975 -> '1.224.975'."""
    if _is_missing(value):
        return MISSING
    return _grouped(Decimal(int(value)), 0)


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, with the time when there is one: '15/10/2025 09:30'."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    return f"{value:%d/%m/%Y}"


def format_yes_no(value: bool | None) -> str:
    if value is None:
        return MISSING
    return "có" if value else "không"


def rounded_rate(value) -> float | None:
    """The value a chart plots: the printed figure, so a bar never disagrees with its label."""
    if _is_missing(value):
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def page_name(province_code: str, province_name: str) -> str:
    """A unit page's file name, ASCII so it survives zip files and mail: '52_gia-lai.html'."""
    slug = _NON_ALNUM.sub("-", fold(province_name)).strip("-")
    return f"{province_code}_{slug}.html" if slug else f"{province_code}.html"
