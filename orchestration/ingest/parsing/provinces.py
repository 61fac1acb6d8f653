"""Province code and/or name -> the unit (code, valid_from) valid on a period's last day.

A code alone is not a key (seven codes were reused on 2025-07-01), so resolution is temporal:
the unit must be valid on the last day of the reported period.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.text import compact, fold
from orchestration.reference import Province, load_provinces

# Spellings that no normalization derives from the official name, -> that official name.
ALIASES = {
    "TPHCM": "Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "Sài Gòn": "Hồ Chí Minh",
    "Ho Chi Minh City": "Hồ Chí Minh",
    "Huế": "Thừa Thiên Huế",
    "Thừa Thiên Huế": "Huế",
    "Đắc Lắc": "Đắk Lắk",
    "Đắc Nông": "Đắk Nông",
    "Bắc Cạn": "Bắc Kạn",
    "Cả nước": "Toàn quốc",
    "Việt Nam": "Toàn quốc",
}
_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp|thu do)\b ?")

EXPECTED_CODE = "a province code of 1 or 2 digits from reference/provinces.csv (e.g. 1, 01, 52)"
EXPECTED_NAME = "a province name from reference/provinces.csv (e.g. Hà Nội, TP.HCM, Bình Định)"
EXPECTED_PAIR = "a province code and name of the same unit"


@dataclass(frozen=True)
class ProvinceKey:
    code: str
    valid_from: date


def name_key(name: str) -> str:
    """Matching key of a name: folded, punctuation-free, "Tỉnh"/"Thành phố"/"TP." dropped."""
    spaced = re.sub(r"[^0-9a-z]+", " ", fold(name)).strip()
    return compact(_PREFIX.sub("", spaced)) or compact(spaced)


def code_key(raw: object) -> str:
    """A GSO code as two digits ("1", 1, 1.0 -> "01"); ParseError when it is not one."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not re.fullmatch(r"[0-9]{1,2}", text):
        raise ParseError("province_unknown", EXPECTED_CODE)
    return text.zfill(2)


class ProvinceResolver:
    def __init__(self, provinces: tuple[Province, ...] | None = None):
        self._units = provinces if provinces is not None else load_provinces()
        self._by_code: dict[str, list[Province]] = defaultdict(list)
        self._by_name: dict[str, list[Province]] = defaultdict(list)
        for unit in self._units:
            self._by_code[unit.code].append(unit)
            self._by_name[name_key(unit.name)].append(unit)
        for spelling, official in ALIASES.items():
            self._by_name[name_key(spelling)].extend(
                unit for unit in self._units if unit.name == official
            )

    def resolve(self, code: object, name: object, on: date | None) -> ProvinceKey:
        """The unit named by code and/or name, valid on ``on`` (None: any date, identity only)."""
        has_code = code is not None and str(code).strip() != ""
        has_name = isinstance(name, str) and name.strip() != ""
        if not has_code and not has_name:
            raise ParseError("value_missing", "a province code or name")
        by_code = (self._by_code.get(code_key(code)) or _fail("province_unknown", EXPECTED_CODE)
                   if has_code else None)
        by_name = (self._by_name.get(name_key(name)) or _fail("province_unknown", EXPECTED_NAME)
                   if has_name else None)
        candidates = [u for u in (by_code or by_name) if by_name is None or u in by_name]
        if not candidates:
            raise ParseError("code_name_mismatch", EXPECTED_PAIR)
        if on is None:
            return ProvinceKey(candidates[0].code, candidates[0].valid_from)
        in_period = [
            [u for u in units if u.valid_on(on)] for units in (by_code, by_name) if units is not None
        ]
        if all(in_period) and len({u for units in in_period for u in units}) > 1:
            raise ParseError("code_name_mismatch", f"{EXPECTED_PAIR} on {on}")
        if not all(in_period):
            eras = "; ".join(f"{u.name}: {_era(u)}" for u in candidates)
            raise ParseError("province_not_valid_in_period", f"a unit valid on {on} ({eras})")
        return ProvinceKey(in_period[0][0].code, in_period[0][0].valid_from)


def _era(unit: Province) -> str:
    return f"{unit.code} valid {unit.valid_from} to {unit.valid_to or 'today'}"


def _fail(rule: str, expected: str):
    raise ParseError(rule, expected)
