"""Numbers, dates and gaps in a finding's detail read the way a person writes them."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from orchestration.quality.findings import details, display


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1224975.0, "1,224,975"),
        (96.3, "96.30"),
        (0.0, "0"),
        (-5.0, "-5"),
        (float("nan"), "none"),
        (None, "none"),
        (pd.NaT, "none"),
        (datetime(2024, 4, 15), "2024-04-15"),
        (datetime(2024, 4, 16, 8, 5), "2024-04-16 08:05"),
        (date(2025, 7, 1), "2025-07-01"),
        (True, "yes"),
        ("VNEID_ISSUED", "VNEID_ISSUED"),
    ],
)
def test_display(value, shown):
    assert display(value) == shown


def test_details_fill_the_template_from_each_row():
    rows = pd.DataFrame({"VNEID_ISSUED": [1000.0, 5.0], "VNEID_ACTIVATED": [1200.0, 7.5]})
    template = "VNEID_ACTIVATED {VNEID_ACTIVATED} exceeds VNEID_ISSUED {VNEID_ISSUED}"
    assert details(rows, template) == [
        "VNEID_ACTIVATED 1,200 exceeds VNEID_ISSUED 1,000",
        "VNEID_ACTIVATED 7.50 exceeds VNEID_ISSUED 5",
    ]


@pytest.mark.parametrize(
    ("column", "shown"),
    [
        (pd.Series([1224975.0, float("nan")]), ["1,224,975", "none"]),
        (pd.Series(pd.to_datetime(["2024-04-16 08:05", None])), ["2024-04-16 08:05", "none"]),
        (pd.Series([date(2025, 7, 1), None], dtype=object), ["2025-07-01", "none"]),
        (pd.Series([3, None], dtype="Int64"), ["3", "<NA>"]),
        (pd.Series([True, False]), ["yes", "no"]),
    ],
)
def test_details_show_each_column_type_as_display_does(column, shown):
    rows = pd.DataFrame({"province_code": ["01", "79"], "value": column, "unused": [object(), None]})
    assert details(rows, "{province_code}: {value}") == [f"01: {shown[0]}", f"79: {shown[1]}"]


def test_a_template_naming_no_column_is_the_detail_of_every_row():
    assert details(pd.DataFrame({"value": [1.0, 2.0]}), "late") == ["late", "late"]
