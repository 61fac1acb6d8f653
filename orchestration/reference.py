"""Province list and indicator catalogue, read from the dbt seeds (their single source of truth)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
NATIONAL_CODE = "00"


@dataclass(frozen=True)
class Province:
    """One provincial unit; (code, valid_from) is its key because seven codes were reused."""

    code: str
    name: str
    unit_type: str
    valid_from: date
    valid_to: date | None
    successor_code: str | None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str  # count | percent | score
    time_aggregation: str  # stock | flow
    additive: bool


def _read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, encoding="utf-8", newline="") as seed:
        return list(csv.DictReader(seed))


def _optional_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def load_provinces() -> tuple[Province, ...]:
    return tuple(
        Province(
            code=row["province_code"],
            name=row["province_name"],
            unit_type=row["unit_type"],
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=_optional_date(row["valid_to"]),
            successor_code=row["successor_code"] or None,
        )
        for row in _read_seed("provinces.csv")
    )


@cache
def load_indicators() -> dict[str, Indicator]:
    """Indicators by their (upper-case) code."""
    return {
        row["indicator_code"]: Indicator(
            code=row["indicator_code"],
            name=row["indicator_name"],
            unit=row["unit"],
            time_aggregation=row["time_aggregation"],
            additive=row["additive"].lower() == "true",
        )
        for row in _read_seed("indicators.csv")
    }


def province_name(code: str, valid_from: date | None = None) -> str | None:
    """The name of the unit with this code and valid_from, else None.

    Without valid_from, a name only when every unit of that code had it (seven codes were reused).
    """
    units = [unit for unit in load_provinces() if unit.code == code]
    if valid_from is not None:
        day = valid_from.date() if hasattr(valid_from, "date") else valid_from
        units = [unit for unit in units if unit.valid_from == day]
    names = {unit.name for unit in units}
    return names.pop() if len(names) == 1 else None


def province_label(code: str, name: str | None) -> str:
    """`Hà Nội (01)`: a unit as officials read it; the bare code when the name is unknown."""
    return f"{name} ({code})" if name else code
