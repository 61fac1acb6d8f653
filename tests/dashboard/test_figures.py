"""Figures on the scorecard site read as the Vietnamese reports print them."""

from datetime import date, datetime

import pytest

from orchestration.dashboard.figures import (
    format_count,
    format_date,
    format_rate,
    format_yes_no,
    page_name,
    rounded_rate,
)


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (91.7933, "91,79 %"),
        (91.785, "91,79 %"),  # half-up, as the reports round, not to the even digit
        (96.295, "96,30 %"),
        (0.005, "0,01 %"),
        (100.0, "100,00 %"),
        (0, "0,00 %"),
        (1234.5, "1.234,50 %"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_rates_are_printed_with_a_decimal_comma_rounded_half_up(value, printed):
    assert format_rate(value) == printed


@pytest.mark.parametrize(("value", "plotted"), [(91.785, 91.79), (96.295, 96.3), (None, None), (float("nan"), None)])
def test_charts_plot_the_printed_figure(value, plotted):
    assert rounded_rate(value) == plotted


@pytest.mark.parametrize(
    ("value", "printed"),
    [(1224975, "1.224.975"), (999, "999"), (0, "0"), (34, "34"), (None, "–")],
)
def test_counts_group_thousands_with_a_point(value, printed):
    assert format_count(value) == printed


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (date(2025, 7, 1), "01/07/2025"),
        (datetime(2025, 10, 15, 9, 30), "15/10/2025 09:30"),
        (None, "–"),
    ],
)
def test_dates_are_day_month_year(value, printed):
    assert format_date(value) == printed


@pytest.mark.parametrize(
    ("code", "name", "file"),
    [
        ("52", "Gia Lai", "52_gia-lai.html"),
        ("79", "Hồ Chí Minh", "79_ho-chi-minh.html"),
        ("66", "Đắk Lắk", "66_dak-lak.html"),
        ("46", "Huế", "46_hue.html"),
        ("77", "Bà Rịa – Vũng Tàu", "77_ba-ria-vung-tau.html"),
        ("99", "", "99.html"),
    ],
)
def test_unit_pages_have_ascii_file_names(code, name, file):
    assert page_name(code, name) == file


@pytest.mark.parametrize(("value", "printed"), [(True, "có"), (False, "không"), (None, "–")])
def test_flags_read_in_vietnamese(value, printed):
    assert format_yes_no(value) == printed
