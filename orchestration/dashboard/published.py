"""What the site shows, read from the published p06.duckdb: open read-only, query, close.

Never the work database: the site shows exactly the snapshot BI tools see. Parts of the
schema an older snapshot lacks (reporting_rates, fct_indicator_value.note) are used only when
the published file has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from orchestration.dashboard.labels import RATES
from orchestration.publish.marts import PUBLISHED_SCHEMA as MARTS

RATE_COLUMNS = tuple(RATES)  # the scorecard columns, in the order the site shows them
FINDINGS_SHOWN_PER_UNIT = 100  # the full list is in the quality report and marts.quality_issues

_RATES = ", ".join(RATE_COLUMNS)

# Every unit ever valid, with the current unit that holds its territory today.
UNITS_SQL = f"""
select province_code, province_name, valid_from, valid_to,
       current_province_code, current_province_valid_from
from {MARTS}.dim_province
where province_code <> '00'
order by province_code, valid_from
"""

AS_REPORTED_SQL = f"""
select province_code, province_name, province_valid_from, period, period_grain,
       period_start, period_end, {_RATES}
from {MARTS}.province_scorecard
order by period_end, period_start desc
"""

CURRENT_SQL = f"""
select province_code, province_name, province_valid_from, period, period_grain,
       period_start, period_end, {_RATES}
from {MARTS}.province_scorecard_current
order by period_end, period_start desc
"""

NATIONAL_SQL = f"""
select period, period_grain, period_start, period_end, provinces_reporting, {_RATES}
from {MARTS}.national_scorecard
order by period_end, period_start desc
"""

SUBMISSIONS_SQL = f"""
select province_code, province_name, province_valid_from, period, period_start, period_end,
       deadline, submitted, on_time, last_submitted_at, rows_accepted, rows_rejected
from {MARTS}.submission_status
where province_code <> '00'
order by period_end desc, period_start, province_code
"""

# Units expected to report per period, and how many did (on time): from reporting_rates when
# that mart is published, else counted from submission_status (the same definition).
REPORTING_FROM_RATES_SQL = f"""
with periods as (
    select distinct period, period_start, period_end from {MARTS}.submission_status
)
select r.period, p.period_start, p.period_end, r.reports_expected as expected,
       r.reports_submitted as submitted, r.reports_on_time as on_time
from {MARTS}.reporting_rates r
join periods p using (period)
where r.province_code = '00'
order by p.period_end, p.period_start desc
"""

REPORTING_FROM_STATUS_SQL = f"""
select period, period_start, period_end, count(*) as expected,
       count(*) filter (where submitted) as submitted,
       count(*) filter (where on_time) as on_time
from {MARTS}.submission_status
where province_code <> '00'
group by all
order by period_end, period_start desc
"""

# Values held back count each value once, however many rules it broke (as
# orchestration.quality.findings.values_held_back does); rejections are rows or whole files.
QUALITY_TOTALS_SQL = f"""
with held as (
    select distinct province_code, province_valid_from, period, indicator_code
    from {MARTS}.quality_issues
    where stage = 'quality' and is_held_back
)
select (select count(*) from {MARTS}.quality_issues) as findings,
       (select count(*) from held) as held_back,
       (select count(*) from {MARTS}.quality_issues where stage = 'ingestion') as rejected
"""

FINDINGS_SQL = f"""
select * exclude (shown) from (
    select q.rule, q.severity, q.province_code, q.province_valid_from, q.period,
           q.indicator_code, q.source_file, q.source_row, q.detail, q.is_held_back,
           u.current_province_code,
           row_number() over (partition by u.current_province_code
                              order by q.severity, q.period desc, q.rule) as shown
    from {MARTS}.quality_issues q
    join {MARTS}.dim_province u
      on u.province_code = q.province_code and u.valid_from = q.province_valid_from
)
where shown <= {FINDINGS_SHOWN_PER_UNIT}
order by current_province_code, severity, period desc, rule
"""

FINDING_COUNTS_SQL = f"""
select u.current_province_code, count(*) as findings
from {MARTS}.quality_issues q
join {MARTS}.dim_province u
  on u.province_code = q.province_code and u.valid_from = q.province_valid_from
group by all
"""

NOTES_SQL = f"""
select f.province_code, f.province_valid_from, f.period, f.period_end, f.indicator_code,
       i.indicator_name, f.note
from {MARTS}.fct_indicator_value f
join {MARTS}.dim_indicator i using (indicator_code)
where f.note is not null and trim(f.note) <> ''
order by f.period_end desc, f.indicator_code
"""

UNITS_WITH_VALUES_SQL = f"""
select distinct province_code, province_valid_from from {MARTS}.fct_indicator_value
"""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    valid_from: date
    valid_to: date | None


@dataclass
class CurrentUnit:
    """A unit valid today, with every unit whose territory it holds (itself included)."""

    unit: Unit
    predecessors: list[Unit] = field(default_factory=list)
    as_reported: list[dict] = field(default_factory=list)
    current: list[dict] = field(default_factory=list)
    submissions: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    findings_total: int = 0
    notes: list[dict] = field(default_factory=list)
    has_values: bool = False

    @property
    def has_data(self) -> bool:
        return self.has_values or self.findings_total > 0


@dataclass(frozen=True)
class Published:
    national: list[dict]
    reporting: list[dict]
    reporting_source: str
    quality: dict
    units: list[CurrentUnit]  # current units, by code
    notes_published: bool


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# The schema as a literal: DuckDB's first query with a bind parameter imports pandas and pyarrow (~1 s),
# which `p06 dashboard` otherwise never needs.
PUBLISHED_COLUMNS_SQL = f"""
select table_name, column_name from information_schema.columns where table_schema = '{MARTS}'
"""


def _published_columns(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute(PUBLISHED_COLUMNS_SQL).fetchall())


def read_published(published_db: Path) -> Published:
    if not published_db.exists():
        raise FileNotFoundError(f"nothing is published yet: {published_db} does not exist")
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        columns = _published_columns(con)
        has_reporting_rates = ("reporting_rates", "reports_expected") in columns
        notes_published = ("fct_indicator_value", "note") in columns
        published = Published(
            national=_rows(con, NATIONAL_SQL),
            reporting=_rows(con, REPORTING_FROM_RATES_SQL if has_reporting_rates else REPORTING_FROM_STATUS_SQL),
            reporting_source="reporting_rates" if has_reporting_rates else "submission_status",
            quality=_rows(con, QUALITY_TOTALS_SQL)[0],
            units=_current_units(con, notes_published),
            notes_published=notes_published,
        )
    finally:
        con.close()
    return published


def _current_units(con: duckdb.DuckDBPyConnection, notes_published: bool) -> list[CurrentUnit]:
    """Each current unit with the rows of every unit whose territory it holds today."""
    current: dict[str, CurrentUnit] = {}
    holder: dict[tuple[str, date], CurrentUnit] = {}
    all_units = _rows(con, UNITS_SQL)
    for row in all_units:
        if row["valid_to"] is None:
            unit = Unit(row["province_code"], row["province_name"], row["valid_from"], None)
            current[unit.code] = CurrentUnit(unit)
    for row in all_units:
        unit = Unit(row["province_code"], row["province_name"], row["valid_from"], row["valid_to"])
        if (today := current.get(row["current_province_code"])) is not None:
            today.predecessors.append(unit)
            holder[(unit.code, unit.valid_from)] = today

    def add(rows: list[dict], attribute: str) -> None:
        for row in rows:
            if (unit := holder.get((row["province_code"], row["province_valid_from"]))) is not None:
                getattr(unit, attribute).append(row)

    add(_rows(con, AS_REPORTED_SQL), "as_reported")
    add(_rows(con, SUBMISSIONS_SQL), "submissions")
    if notes_published:
        add(_rows(con, NOTES_SQL), "notes")
    for row in _rows(con, CURRENT_SQL):
        if (unit := current.get(row["province_code"])) is not None:
            unit.current.append(row)
    for row in _rows(con, FINDINGS_SQL):
        if (unit := current.get(row["current_province_code"])) is not None:
            unit.findings.append(row)
    for row in _rows(con, FINDING_COUNTS_SQL):
        if (unit := current.get(row["current_province_code"])) is not None:
            unit.findings_total = row["findings"]
    for row in _rows(con, UNITS_WITH_VALUES_SQL):
        if (unit := holder.get((row["province_code"], row["province_valid_from"]))) is not None:
            unit.has_values = True
    return sorted(current.values(), key=lambda unit: unit.unit.code)
