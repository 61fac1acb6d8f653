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
            self._by_name[name_key(spelling)].extend(unit for unit in self._units if unit.name == official)

    def resolve(self, code: object, name: object, on: date | None) -> ProvinceKey:
        """The unit named by code and/or name, valid on ``on`` (None: any date, identity only)."""
        given = []  # per part given, the units it can name in any era
        if code is not None and str(code).strip() != "":
            given.append(self._by_code.get(code_key(code)) or _fail("province_unknown", EXPECTED_CODE))
        if isinstance(name, str) and name.strip() != "":
            given.append(self._by_name.get(name_key(name)) or _fail("province_unknown", EXPECTED_NAME))
        if not given:
            raise ParseError("value_missing", "a province code or name")
        candidates = [u for u in given[0] if all(u in units for units in given[1:])]
        if on is None:
            return _key(candidates[0]) if candidates else _fail("code_name_mismatch", EXPECTED_PAIR)
        valid = [[u for u in units if u.valid_on(on)] for units in given]
        units_then = {u for units in valid for u in units}
        if all(valid) and len(units_then) == 1:
            return _key(units_then.pop())
        if all(valid) and len(valid) == 2:
            by_code, by_name = valid[0][0], valid[1][0]
            raise ParseError(
                "code_name_mismatch",
                (
                    f"{EXPECTED_PAIR}: on {on}, code {by_code.code} is {by_code.name} "
                    f"and {by_name.name} has code {by_name.code}"
                ),
            )
        if not candidates:
            raise ParseError("code_name_mismatch", EXPECTED_PAIR)
        eras = "; ".join(self._era(u) for u in candidates)
        raise ParseError("province_not_valid_in_period", f"a unit valid on {on} ({eras})")

    def _era(self, unit: Province) -> str:
        """E.g. "Bình Định (52) existed 2008-08-01 to 2025-06-30, then part of Gia Lai (52)"."""
        era = f"{unit.name} ({unit.code}) existed {unit.valid_from} to {unit.valid_to or 'today'}"
        successor = next(
            (
                u
                for u in self._by_code.get(unit.successor_code or "", [])
                if unit.valid_to and u.valid_from > unit.valid_to
            ),
            None,
        )
        return f"{era}, then part of {successor.name} ({successor.code})" if successor else era


def _key(unit: Province) -> ProvinceKey:
    return ProvinceKey(unit.code, unit.valid_from)


def _fail(rule: str, expected: str):
    raise ParseError(rule, expected)
