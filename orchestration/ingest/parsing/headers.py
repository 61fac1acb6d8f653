"""Column headers (and template labels, JSON keys) -> canonical field names.

Matching is case-, space-, punctuation- and diacritic-insensitive, Vietnamese or English.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.text import compact

FIELD_SPELLINGS = {
    "province_code": [
        "ma_tinh",
        "Mã tỉnh",
        "Mã tỉnh/TP",
        "Mã tỉnh/thành phố",
        "province_code",
        "province code",
        "Mã đơn vị",
    ],
    "province_name": [
        "tinh",
        "ten_tinh",
        "Tên tỉnh",
        "Tỉnh/Thành phố",
        "Tỉnh/TP",
        "province",
        "province_name",
        "Tên tỉnh/thành phố",
        "Đơn vị",
    ],
    "period": ["ky_bao_cao", "Kỳ báo cáo", "period", "Kỳ"],
    "indicator_code": ["ma_chi_tieu", "Mã chỉ tiêu", "indicator_code", "indicator", "code"],
    "indicator_name": ["ten_chi_tieu", "Tên chỉ tiêu", "indicator_name", "Chỉ tiêu"],
    "value": ["gia_tri", "Giá trị", "value", "Số liệu"],
    "note": ["ghi_chu", "Ghi chú", "note", "notes"],
    "submitted_at": ["ngay_bao_cao", "Ngày báo cáo", "submitted_at", "Ngày gửi", "submitted"],
    "task_code": ["ma_nhiem_vu", "Mã nhiệm vụ", "task_code", "task code"],
    "task_name": ["noi_dung", "Nội dung", "Nội dung nhiệm vụ", "Tên nhiệm vụ", "task_name", "task"],
    "deadline": ["han_hoan_thanh", "Hạn hoàn thành", "Thời hạn", "deadline", "due date"],
    "status": ["trang_thai", "Trạng thái", "status"],
    "completed_on": ["ngay_hoan_thanh", "Ngày hoàn thành", "completed_on", "completed"],
    "commune_code": ["ma_xa", "Mã xã", "Mã phường/xã", "commune_code"],
}
_FIELD_BY_KEY = {compact(s): field for field, spellings in FIELD_SPELLINGS.items() for s in spellings}


def field_positions(headers: Iterable[object]) -> dict[str, int]:
    """Canonical field -> position of the first header naming it; other headers are ignored."""
    positions: dict[str, int] = {}
    for position, header in enumerate(headers):
        field = canonical_field(header)
        if field and field not in positions:
            positions[field] = position
    return positions


READ_ONCE_EXEMPT = {"indicator_name"}  # never read: two such columns are harmless


def unique_fields(headers: Sequence[object]) -> dict[str, int]:
    """``field_positions``, refusing two headers that name the same field: which of two
    different numbers is the value must never be settled silently."""
    positions = field_positions(headers)
    for position, header in enumerate(headers):
        field = canonical_field(header)
        first = positions.get(field)
        if field and field not in READ_ONCE_EXEMPT and first != position:
            raise ParseError(
                "header_ambiguous", f"one column for {field}; columns {headers[first]!r} and {header!r} both name it"
            )
    return positions


def canonical_field(header: object) -> str | None:
    """The canonical field a header names, None when it names none."""
    return _field_named(header) if isinstance(header, str) else None


@lru_cache(maxsize=256)  # every file of a refresh repeats the same few dozen headers
def _field_named(header: str) -> str | None:
    return _FIELD_BY_KEY.get(compact(header))
