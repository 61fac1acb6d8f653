from datetime import date, datetime

import pytest

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.periods import parse_period

# (period as written, canonical code or rejection rule)
PERIOD_CASES = [
    ("2024", "2024"),
    ("Năm 2024", "2024"),
    ("năm 2024", "2024"),
    (2024, "2024"),
    (2024.0, "2024"),
    ("2024-H1", "2024-H1"),
    ("2024-h2", "2024-H2"),
    ("H2/2024", "2024-H2"),
    ("6 tháng đầu năm 2024", "2024-H1"),
    ("6 tháng cuối năm 2024", "2024-H2"),
    ("6 THANG DAU NAM 2024", "2024-H1"),
    ("2024-Q1", "2024-Q1"),
    ("Q1/2024", "2024-Q1"),
    ("Q4-2024", "2024-Q4"),
    ("Quý I/2024", "2024-Q1"),
    ("Quý IV/2024", "2024-Q4"),
    ("Quý 1 năm 2024", "2024-Q1"),
    ("quy iii/2025", "2025-Q3"),
    ("2024-06", "2024-06"),
    ("06/2024", "2024-06"),
    ("6/2024", "2024-06"),
    ("Tháng 6/2024", "2024-06"),
    ("Tháng 12 năm 2025", "2025-12"),
    ("T6/2024", "2024-06"),
    (datetime(2024, 6, 1), "2024-06"),
    ("2024-13", "period_invalid"),
    ("Q5/2024", "period_invalid"),
    ("Quý V/2024", "period_invalid"),
    ("1899", "period_invalid"),
    ("tháng 0/2024", "period_invalid"),
    ("2024-H3", "period_invalid"),
    ("abc", "period_invalid"),
    (datetime(2024, 6, 15), "period_invalid"),
]


@pytest.mark.parametrize("raw, expected", PERIOD_CASES)
def test_parse_period(raw, expected):
    try:
        assert parse_period(raw).code == expected
    except ParseError as error:
        assert error.rule == expected


@pytest.mark.parametrize(
    "raw, grain, start, end",
    [
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
        ("6 tháng cuối năm 2024", "half", date(2024, 7, 1), date(2024, 12, 31)),
        ("Quý I/2024", "quarter", date(2024, 1, 1), date(2024, 3, 31)),
        ("T2/2024", "month", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_period_bounds(raw, grain, start, end):
    period = parse_period(raw)
    assert (period.grain, period.start, period.end) == (grain, start, end)
