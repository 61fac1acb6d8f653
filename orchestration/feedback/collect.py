"""What each province's feedback says, read from the work database after the quality step.

One page per province code and name: a unit that kept both through the 2025 merger (Hà Nội)
has one page over both eras, a reused code another page per name (52: Bình Định, Gia Lai).
A rejection is the province's when it names the unit, or when its file sent rows of that unit
only (a row whose province could not be read, in a one-province workbook). A file none of whose
rows names a unit (unreadable, no province) cannot be attributed and is in the quality report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from orchestration.feedback.reasons import reason
from orchestration.ingest.parsing.periods import parse_period
from orchestration.ingest.parsing.text import fold
from orchestration.reference import load_provinces
from orchestration.vietnamese import date_vn, period_name
from orchestration.warehouse.work_db import relation_type

UNIT_ROWS_SQL = """
create or replace temp view feedback_unit_rows as
select file_hash, province_code, province_valid_from, sum(rows_accepted) as rows_accepted
from raw.file_units
group by all;

create or replace temp view feedback_rejections as
with single_unit_files as (
    select file_hash, any_value(province_code) as province_code,
           any_value(province_valid_from) as province_valid_from
    from feedback_unit_rows
    group by file_hash
    having count(*) = 1
)
select rejections.* replace (
           coalesce(rejections.province_code, single.province_code) as province_code,
           case when rejections.province_code is null then single.province_valid_from
                else coalesce(rejections.province_valid_from, single.province_valid_from) end
               as province_valid_from)
from raw.ingest_rejections as rejections
left join single_unit_files as single using (file_hash)
"""

FILES_SQL = """
with per_unit as (
    select file_hash, province_code, province_valid_from, rows_accepted, 0 as rows_rejected
    from feedback_unit_rows
    union all
    select file_hash, province_code, province_valid_from, 0,
           count(distinct case when source_row is not null then (sheet, source_row) end)
    from feedback_rejections
    where province_code is not null and file_hash is not null
    group by all
)
select per_unit.province_code, per_unit.province_valid_from, files.source_file, files.ingested_at,
       files.file_hash, sum(per_unit.rows_accepted), sum(per_unit.rows_rejected)
from per_unit
join raw.ingested_files as files using (file_hash)
group by all
order by files.ingested_at, files.source_file
"""

REJECTIONS_SQL = """
select province_code, province_valid_from, source_file, sheet, source_row, column_name, value_seen,
       rule, indicator_code, period
from feedback_rejections
where province_code is not null
order by ingested_at, source_file, sheet, source_row nulls first, rule
"""

HELD_BACK_SQL = """
select province_code, province_valid_from, source_file, sheet, source_row, indicator_code, value,
       rule, period
from quality.findings
where quarantined and province_code is not null
order by period, indicator_code, rule
"""

NOTES_SQL = """
select province_code, province_valid_from, source_file, sheet, source_row, period, indicator_code,
       value, note
from raw.indicator_values
where note is not null
order by ingested_at, source_file, sheet, source_row
"""

LATE_SQL = """
select province_code, province_valid_from, period, deadline, first_submitted_at
from marts.submission_status
where on_time = false
order by period_end, period
"""


@dataclass
class ProvinceFeedback:
    code: str
    name: str
    files: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    held_back: list[dict] = field(default_factory=list)
    late: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    next_period: str | None = None

    @property
    def file_name(self) -> str:
        return f"{self.code}_{re.sub(r'[^0-9a-z]+', '-', fold(self.name)).strip('-')}.html"


def collect_feedback(con: duckdb.DuckDBPyConnection, today: date) -> list[ProvinceFeedback]:
    """One feedback per province (code and name) that sent anything or is late, by code and name."""
    units = {(u.code, u.valid_from): u for u in load_provinces()}
    pages: dict[tuple, ProvinceFeedback] = {}

    def page(code: str, valid_from: date) -> ProvinceFeedback | None:
        unit = units.get((code, valid_from))
        if unit is None:
            return None
        return pages.setdefault((code, unit.name), ProvinceFeedback(code, unit.name))

    con.execute(UNIT_ROWS_SQL)
    for code, valid_from, source_file, ingested_at, file_hash, accepted, rejected in con.execute(FILES_SQL).fetchall():
        if feedback := page(code, valid_from):
            feedback.files.append(
                {
                    "name": source_file,
                    "at": _time(ingested_at),
                    "sha": file_hash[:12],
                    "accepted": int(accepted),
                    "rejected": int(rejected),
                }
            )
    for code, valid_from, *row in con.execute(REJECTIONS_SQL).fetchall():
        source_file, sheet, source_row, column, value, rule, indicator, period = row
        if feedback := page(code, valid_from):
            feedback.rejected.append(
                {
                    "file": source_file,
                    "sheet": sheet,
                    "row": source_row,
                    "column": column,
                    "value": value,
                    "rule": rule,
                    "reason": reason(rule, value=value, column=column, indicator=indicator, period=period),
                }
            )
    for code, valid_from, *row in con.execute(HELD_BACK_SQL).fetchall():
        source_file, sheet, source_row, indicator, value, rule, period = row
        if feedback := page(code, valid_from):
            shown = _number(value)
            feedback.held_back.append(
                {
                    "file": source_file,
                    "sheet": sheet,
                    "row": source_row,
                    "column": indicator,
                    "period": period,
                    "value": shown,
                    "rule": rule,
                    "reason": reason(rule, value=shown, indicator=indicator, period=period),
                }
            )
    for code, valid_from, *row in con.execute(NOTES_SQL).fetchall():
        source_file, sheet, source_row, period, indicator, value, note = row
        if feedback := page(code, valid_from):
            feedback.notes.append(
                {
                    "file": source_file,
                    "sheet": sheet,
                    "row": source_row,
                    "period": period,
                    "indicator": indicator,
                    "value": _number(value),
                    "note": note,
                }
            )
    if relation_type(con, "marts", "submission_status"):
        for code, valid_from, period, deadline, first_submitted_at in con.execute(LATE_SQL).fetchall():
            if feedback := page(code, valid_from):
                feedback.late.append(
                    {
                        "period": period,
                        "period_name": period_name(parse_period(period)),
                        "deadline": date_vn(deadline),
                        "sent": date_vn(first_submitted_at) if first_submitted_at else None,
                    }
                )
    quarter = parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")  # being reported now
    for (code, name), feedback in pages.items():
        if any(u.code == code and u.name == name and u.valid_on(quarter.end) for u in units.values()):
            feedback.next_period = quarter.code
    return [pages[key] for key in sorted(pages)]


def _time(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y %H:%M}"


def _number(value: float | None) -> str | None:
    """As Vietnamese reports print it: 1.224.975 and 96,3."""
    if value is None:
        return None
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")
