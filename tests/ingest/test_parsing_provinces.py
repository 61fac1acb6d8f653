import unicodedata
from datetime import date

import pytest

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.provinces import ProvinceResolver

OLD, NEW = date(2008, 8, 1), date(2025, 7, 1)
END_2024, END_2025_Q3 = date(2024, 12, 31), date(2025, 9, 30)

# (code, name, period's last day, (code, valid_from) or rejection rule)
PROVINCE_CASES = [
    ("52", None, END_2024, ("52", OLD)),  # Bình Định
    ("52", None, END_2025_Q3, ("52", NEW)),  # the merged Gia Lai
    ("1", None, END_2024, ("01", OLD)),
    (1, None, END_2024, ("01", OLD)),
    (52.0, None, END_2025_Q3, ("52", NEW)),
    (None, "Gia Lai", END_2024, ("64", OLD)),
    (None, "Gia Lai", END_2025_Q3, ("52", NEW)),
    ("52", "Bình Định", END_2024, ("52", OLD)),
    ("01", "Hà Nội", END_2025_Q3, ("01", NEW)),
    (None, "Thủ đô Hà Nội", END_2024, ("01", OLD)),
    (None, "Tỉnh Bình Định", END_2024, ("52", OLD)),
    (None, "binh dinh", END_2024, ("52", OLD)),
    (None, "BÌNH ĐỊNH", END_2024, ("52", OLD)),
    (None, unicodedata.normalize("NFD", "Bình Định"), END_2024, ("52", OLD)),
    (None, "Hoà Bình", END_2024, ("17", OLD)),
    (None, "Hòa Bình", END_2024, ("17", OLD)),
    (None, "Khánh Hoà", END_2025_Q3, ("56", NEW)),
    (None, "Thanh Hoá", END_2024, ("38", OLD)),
    (None, "Bà Rịa-Vũng Tàu", END_2024, ("77", OLD)),
    (None, "Bà Rịa – Vũng Tàu", END_2024, ("77", OLD)),
    (None, "Ba Ria Vung Tau", END_2024, ("77", OLD)),
    (None, "Đăk Lăk", END_2024, ("66", OLD)),
    (None, "Đắc Lắc", END_2024, ("66", OLD)),
    (None, "Daklak", END_2025_Q3, ("66", NEW)),
    (None, "Dak Lak", END_2024, ("66", OLD)),
    (None, "TPHCM", END_2024, ("79", OLD)),
    (None, "TP.HCM", END_2025_Q3, ("79", NEW)),
    (None, "TP HCM", END_2024, ("79", OLD)),
    (None, "HCM", END_2024, ("79", OLD)),
    (None, "Sài Gòn", END_2024, ("79", OLD)),
    (None, "Thành phố Hồ Chí Minh", END_2024, ("79", OLD)),
    (None, "Thừa Thiên Huế", END_2024, ("46", OLD)),
    (None, "Thừa Thiên - Huế", END_2024, ("46", OLD)),
    (None, "Thành phố Huế", END_2024, ("46", OLD)),
    (None, "Thành phố Huế", END_2025_Q3, ("46", NEW)),
    ("00", "Toàn quốc", END_2025_Q3, ("00", OLD)),
    (None, "Cả nước", END_2024, ("00", OLD)),
    ("00", None, END_2024, ("00", OLD)),
    ("99", None, END_2024, "province_unknown"),
    ("001", None, END_2024, "province_unknown"),
    ("ab", None, END_2024, "province_unknown"),
    (None, "Atlantis", END_2024, "province_unknown"),
    (None, "'; DROP TABLE raw.indicator_values; --", END_2024, "province_unknown"),
    ("64", None, END_2025_Q3, "province_not_valid_in_period"),  # old Gia Lai
    ("02", "Hà Giang", END_2025_Q3, "province_not_valid_in_period"),
    (None, "Bình Định", END_2025_Q3, "province_not_valid_in_period"),
    ("52", "Bình Định", END_2025_Q3, "province_not_valid_in_period"),
    ("52", "Gia Lai", END_2024, "code_name_mismatch"),
    ("01", "Hải Phòng", END_2024, "code_name_mismatch"),
    (None, None, END_2024, "value_missing"),
]


@pytest.mark.parametrize("code, name, on, expected", PROVINCE_CASES)
def test_resolve_province(code, name, on, expected):
    try:
        key = ProvinceResolver().resolve(code, name, on)
        assert (key.code, key.valid_from) == expected
    except ParseError as error:
        assert error.rule == expected


def test_every_official_name_resolves_to_its_own_unit():
    resolver = ProvinceResolver()
    for unit in resolver._units:
        key = resolver.resolve(unit.code, unit.name, unit.valid_to or date.today())
        assert (key.code, key.valid_from) == (unit.code, unit.valid_from)
