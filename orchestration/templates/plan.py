"""What a template holds for one unit and period: who, when, the catalogue and the last values sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.ingest.parsing.periods import Period, parse_period
from orchestration.ingest.parsing.provinces import ProvinceResolver
from orchestration.reference import (
    NATIONAL_CODE,
    Indicator,
    Province,
    deadline_after_period_end,
    load_indicators,
    load_provinces,
)

LAST_VALUES_SQL = """
select indicator_code, period, value
from marts.fct_indicator_value
where province_code = ? and province_valid_from = ? and period_grain = ? and period_end < ?
qualify row_number() over (partition by indicator_code order by period_end desc) = 1
"""


@dataclass(frozen=True)
class LastValue:
    period: str
    value: float


@dataclass(frozen=True)
class TemplatePlan:
    unit: Province
    period: Period
    indicators: tuple[Indicator, ...]
    last_values: dict[str, LastValue] = field(default_factory=dict)

    @property
    def deadline(self) -> date:
        return self.period.end + deadline_after_period_end()

    @property
    def file_name(self) -> str:
        return f"{self.unit.code}_{self.period.code}.xlsx"


def plan_for(province: str, period: str, published_db: Path | None = None) -> TemplatePlan:
    """The unit named by `province` (code or any spelling of its name) valid in `period`.

    Raises ParseError (rule and expected) when the period or the unit cannot be resolved.
    """
    parsed = parse_period(period)
    is_code = province.strip().isdigit()
    key = ProvinceResolver().resolve(province if is_code else None, None if is_code else province, parsed.end)
    unit = next(u for u in load_provinces() if (u.code, u.valid_from) == (key.code, key.valid_from))
    return _plan(unit, parsed, published_db)


def plans_for_all(period: str, published_db: Path | None = None) -> list[TemplatePlan]:
    """One plan per unit valid in the period (the national code excluded)."""
    parsed = parse_period(period)
    units = [u for u in load_provinces() if u.code != NATIONAL_CODE and u.valid_on(parsed.end)]
    return [_plan(unit, parsed, published_db) for unit in units]


def _plan(unit: Province, period: Period, published_db: Path | None) -> TemplatePlan:
    return TemplatePlan(
        unit, period, tuple(load_indicators().values()), last_values(published_db, unit, period) if published_db else {}
    )


def last_values(published_db: Path, unit: Province, period: Period) -> dict[str, LastValue]:
    """The unit's latest accepted value of each indicator for an earlier period of the same grain."""
    if not published_db.exists():
        return {}
    import duckdb

    con = duckdb.connect(str(published_db), read_only=True)
    try:
        rows = con.execute(LAST_VALUES_SQL, [unit.code, unit.valid_from, period.grain, period.start]).fetchall()
    finally:
        con.close()
    return {code: LastValue(period_code, value) for code, period_code, value in rows}
