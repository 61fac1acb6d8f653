"""Headers, text normalization, encodings, dates and task status."""

import codecs
import unicodedata
from datetime import datetime

import pytest
from ingest_builders import cp1258

from orchestration.ingest.parsing.dates import parse_timestamp
from orchestration.ingest.parsing.encodings import decode_text, sniff_delimiter
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.headers import canonical_field
from orchestration.ingest.parsing.indicators import parse_indicator
from orchestration.ingest.parsing.status import parse_status
from orchestration.ingest.parsing.text import fold, normalize


@pytest.mark.parametrize(
    "header, field",
    [
        ("ma_tinh", "province_code"),
        ("Mã tỉnh", "province_code"),
        ("MA TINH", "province_code"),
        ("province_code", "province_code"),
        ("Province Code", "province_code"),
        ("tinh", "province_name"),
        ("ten_tinh", "province_name"),
        ("Tỉnh/Thành phố", "province_name"),
        ("province", "province_name"),
        ("ky_bao_cao", "period"),
        (" Kỳ báo cáo ", "period"),
        ("period", "period"),
        ("ma_chi_tieu", "indicator_code"),
        ("Mã chỉ tiêu", "indicator_code"),
        ("Tên chỉ tiêu", "indicator_name"),
        ("gia_tri", "value"),
        ("Giá trị", "value"),
        ("VALUE", "value"),
        ("Ghi chú", "note"),
        ("ngay_bao_cao", "submitted_at"),
        ("Ngày báo cáo", "submitted_at"),
        ("ma_nhiem_vu", "task_code"),
        ("task_code", "task_code"),
        ("noi_dung", "task_name"),
        ("han_hoan_thanh", "deadline"),
        ("trang_thai", "status"),
        ("Trạng thái", "status"),
        ("ngay_hoan_thanh", "completed_on"),
        ("Mã xã", "commune_code"),
        (unicodedata.normalize("NFD", "Giá trị"), "value"),
        ("dân số", None),
        ("", None),
    ],
)
def test_canonical_field(header, field):
    assert canonical_field(header) == field


@pytest.mark.parametrize(
    "raw, normalized, folded",
    [
        ("Hoà Bình", "Hòa Bình", "hoa binh"),
        ("Khánh Hoà", "Khánh Hòa", "khanh hoa"),
        ("Thuỷ", "Thủy", "thuy"),
        ("quý", "quý", "quy"),  # qu + y: tone on y in both conventions
        ("Hoàn thành", "Hoàn thành", "hoan thanh"),  # closed syllable: unchanged
        (unicodedata.normalize("NFD", "Đắk  Lắk "), "Đắk Lắk", "dak lak"),
    ],
)
def test_normalize_and_fold(raw, normalized, folded):
    assert (normalize(raw), fold(raw)) == (normalized, folded)
    assert unicodedata.is_normalized("NFC", normalize(raw))


TEXT = "tinh,gia_tri\nKhánh Hòa,Hoàn thành Đắk Lắk\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        cp1258(TEXT),
    ],
)
def test_decode_text(data):
    assert decode_text(data) == TEXT


@pytest.mark.parametrize("data", [b"", b"  \n", b"PK\x03\x04\x00\x00binary", b"\x81\x8d\x8f"])
def test_undecodable_text_is_unreadable(data):
    with pytest.raises(ParseError) as caught:
        decode_text(data)
    assert caught.value.rule == "file_unreadable"


@pytest.mark.parametrize(
    "text, delimiter",
    [
        ("ma_tinh,gia_tri\n", ","),
        ("ma_tinh;gia_tri\n", ";"),
        ('"a;b",c\n', ","),
        ('ma_tinh;"ghi chu, notes";x\n', ";"),
    ],
)
def test_sniff_delimiter(text, delimiter):
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("10/07/2024", datetime(2024, 7, 10)),
        ("1/7/2024", datetime(2024, 7, 1)),
        ("10-07-2024", datetime(2024, 7, 10)),
        ("2024-07-10", datetime(2024, 7, 10)),
        ("2024-07-10T08:30:00", datetime(2024, 7, 10, 8, 30)),
        ("10/07/2024 08:30", datetime(2024, 7, 10, 8, 30)),
        (datetime(2024, 7, 10, 9, 0), datetime(2024, 7, 10, 9, 0)),
        ("31/02/2024", "date_invalid"),
        ("07/10", "date_invalid"),
        ("hôm qua", "date_invalid"),
    ],
)
def test_parse_timestamp(raw, expected):
    try:
        assert parse_timestamp(raw) == expected
    except ParseError as error:
        assert error.rule == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Hoàn thành", "done"),
        ("hoan thanh", "done"),
        ("HOÀN THÀNH", "done"),
        ("done", "done"),
        ("Đã hoàn thành", "done"),
        ("Đang thực hiện", "in_progress"),
        ("dang thuc hien", "in_progress"),
        ("in_progress", "in_progress"),
        ("Chưa thực hiện", "not_started"),
        ("not started", "not_started"),
        ("xong", "status_invalid"),
        (None, "status_invalid"),
    ],
)
def test_parse_status(raw, expected):
    try:
        assert parse_status(raw) == expected
    except ParseError as error:
        assert error.rule == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("VNEID_ISSUED", "VNEID_ISSUED"),
        ("vneid_issued", "VNEID_ISSUED"),
        (" Digitization_Rate ", "DIGITIZATION_RATE"),
        ("VNEID", "indicator_unknown"),
        ("'; DROP TABLE x; --", "indicator_unknown"),
        ("", "value_missing"),
        (None, "value_missing"),
    ],
)
def test_parse_indicator(raw, expected):
    try:
        assert parse_indicator(raw).code == expected
    except ParseError as error:
        assert error.rule == expected
