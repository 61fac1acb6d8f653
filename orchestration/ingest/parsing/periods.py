"""Reporting periods in every written form of CONTRACT §2, to `2024`, `2024-H1`, `2024-Q1`, `2024-06`."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.text import fold

EXPECTED = (
    "a period such as 2024, Năm 2024, 2024-H1, 6 tháng đầu năm 2024, 2024-Q1, Q1/2024, "
    "Quý I/2024, 2024-06, 06/2024 or Tháng 6/2024"
)
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    code: str
    grain: str  # year | half | quarter | month
    start: date
    end: date


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_HALF_WORDS = {"dau": 1, "cuoi": 2}
# (pattern over the folded text, grain); groups: y = year, n = half/quarter/month number
_FORMS = [
    (r"(?:nam )?(?P<y>\d{4})", "year"),
    (r"(?P<y>\d{4}) ?- ?h(?P<n>[12])", "half"),
    (r"h(?P<n>[12]) ?[/-] ?(?P<y>\d{4})", "half"),
    (r"6 thang (?P<n>dau|cuoi) nam (?P<y>\d{4})", "half"),
    (r"(?P<y>\d{4}) ?- ?q(?P<n>[1-4])", "quarter"),
    (r"(?:q|quy ?)(?P<n>[1-4]|iv|i{1,3}) ?(?:[/-]|nam) ?(?P<y>\d{4})", "quarter"),
    (r"(?P<y>\d{4})-(?P<n>\d{1,2})", "month"),
    (r"(?:thang ?|t)?(?P<n>\d{1,2}) ?(?:[/-]|nam) ?(?P<y>\d{4})", "month"),
]
_COMPILED = [(re.compile(pattern), grain) for pattern, grain in _FORMS]
_MONTHS_PER = {"year": 12, "half": 6, "quarter": 3, "month": 1}
_COUNT_PER_YEAR = {"half": 2, "quarter": 4, "month": 12}


def parse_period(raw: object) -> Period:
    """A period cell (text, a bare year number, or a spreadsheet date on the 1st of a month)."""
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):  # spreadsheet programs turn "06/2024" into 2024-06-01
        if raw.day != 1:
            raise ParseError("period_invalid", EXPECTED)
        return make_period("month", raw.year, raw.month)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = fold(str(raw)) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    for pattern, grain in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            number = match.groupdict().get("n")
            index = _HALF_WORDS.get(number) or _ROMAN.get(number) or int(number or 1)
            return make_period(grain, int(match["y"]), index)
    raise ParseError("period_invalid", EXPECTED)


def make_period(grain: str, year: int, index: int = 1) -> Period:
    """The period number ``index`` (1-based) of that grain in ``year``."""
    if not FIRST_YEAR <= year <= LAST_YEAR or not 1 <= index <= _COUNT_PER_YEAR.get(grain, 1):
        raise ParseError("period_invalid", EXPECTED)
    months = _MONTHS_PER[grain]
    first_month = (index - 1) * months + 1
    last_month = first_month + months - 1
    code = {
        "year": f"{year}",
        "half": f"{year}-H{index}",
        "quarter": f"{year}-Q{index}",
        "month": f"{year}-{index:02d}",
    }[grain]
    last_day = calendar.monthrange(year, last_month)[1]
    return Period(code, grain, date(year, first_month, 1), date(year, last_month, last_day))
