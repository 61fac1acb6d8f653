"""The tables the suites validate, built from the indicator values by DuckDB SQL.

The same SQL runs on the candidate values (quarantine) and on the table to be published (gate):
the source table is an argument. Every check table has a ``check_row`` column, the index GX
reports offending rows by. Tables whose rows are single values also carry the value's origin
(province, period, indicator, file, sheet, row), so each offending row is a finding as it is;
the wide pair table has one row per province and period, and its findings are looked up in
the source. The columns are documented in each suite's ``notes`` in expectations/.

They are not dbt models: quarantine runs them between two dbt builds on a temporary view (the
values of the units x periods that changed), which a model could only read after one more dbt
invocation per refresh; the deadline and "latest version wins" stay dbt's (the status table's
``deadline``, the resolved values).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb
import pandas as pd

from orchestration.quality.schema import ensure_findings_table

TABLE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*){0,2}")
INDICATOR_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
MIN_HISTORY = 4  # a shorter history gives no meaningful median absolute deviation

VALUE_COLUMNS = (
    "province_code, province_valid_from, period, period_grain, indicator_code, source_file, sheet, source_row, value"
)

INDICATOR_VALUES = f"""
select
    row_number() over () as check_row,
    {VALUE_COLUMNS},
    case when unit = 'count' then value end as count_value,
    case when unit = 'count' then value - trunc(value) end as count_fraction,
    case when unit = 'percent' then value end as percent_value
from {{source}}
"""

INDICATOR_PAIRS = """
select
    row_number() over () as check_row,
    province_code, province_valid_from, period,
    {indicator_columns}
from {source}
group by province_code, province_valid_from, period
"""

# The previous value is the unit's latest earlier value of the same grain: a month is compared
# with the month before it was reported, never with a quarter.
PERIOD_OVER_PERIOD = f"""
with paired as (
    select
        {VALUE_COLUMNS},
        lag(value) over unit_history as previous_value,
        lag(period) over unit_history as previous_period
    from {{source}}
    where time_aggregation = 'stock'
    window unit_history as (
        partition by province_code, province_valid_from, indicator_code, period_grain
        order by period_start
    )
)
select
    row_number() over () as check_row,
    *,
    value / nullif(previous_value, 0) as jump_ratio
from paired
"""

HISTORY_KEY = "province_code, province_valid_from, indicator_code, period_grain"

VALUE_HISTORY = f"""
with centre as (
    select {HISTORY_KEY}, median(value) as history_median, count(*) as history_count
    from {{source}}
    group by {HISTORY_KEY}
),
spread as (
    select {HISTORY_KEY}, median(abs(value - history_median)) as history_mad
    from {{source}}
    join centre using ({HISTORY_KEY})
    group by {HISTORY_KEY}
)
select
    row_number() over () as check_row,
    {VALUE_COLUMNS},
    history_median, history_count, history_mad,
    case when history_count >= {MIN_HISTORY} and history_mad > 0
        then abs(value - history_median) / history_mad end as mad_score
from {{source}}
join centre using ({HISTORY_KEY})
join spread using ({HISTORY_KEY})
"""

NATIONAL_TOTALS = f"""
with additive_counts as (
    select * from {{source}} where unit = 'count' and additive
),
provinces as (
    select
        period, indicator_code,
        sum(value) as provinces_sum,
        count(distinct province_code) as provinces_reporting
    from additive_counts
    where province_code <> '00'
    group by period, indicator_code
)
select
    row_number() over () as check_row,
    {VALUE_COLUMNS},
    provinces.provinces_sum,
    provinces.provinces_reporting
from additive_counts
join provinces using (period, indicator_code)
where province_code = '00'
"""

SUBMISSION_STATUS = """
with status as (
    select
        province_code, {province_valid_from} as province_valid_from, period,
        first_submitted_at, cast(deadline as date) as deadline
    from {source}
)
select
    row_number() over () as check_row,
    province_code, province_valid_from, period, deadline, first_submitted_at,
    case
        when first_submitted_at < deadline + interval 1 day then true
        when deadline < {as_of} then false
    end as submitted_on_time
from status
"""


PAIR_TABLE = "indicator_pairs"  # one row per province and period: findings go to both values
STATUS_TABLE = "submission_status"  # built from the status table, not from the values
# Every row of these tables depends only on the values of one province unit x period, so a
# refresh validates only the units x periods whose values changed since the last quarantine.
ROW_LOCAL_TABLES = ("indicator_values", PAIR_TABLE)
KEY_STATE = "quality_key_state"
CHANGED_VALUES = "quality_changed_values"


def same_unit_period(left: str, right: str) -> str:
    """SQL: rows ``left`` and ``right`` belong to the same province unit x period (NULLs match)."""
    return " and ".join(
        f"{left}.{column} is not distinct from {right}.{column}"
        for column in ("province_code", "province_valid_from", "period")
    )


# ``unchanged``: the unit x period's values (every column, load_id included) and the rules are
# those the last quarantine validated, so its findings still hold. The fingerprint is the rules'
# version, the row count and the sum of the rows' 64-bit hashes (a sum, unlike xor, keeps duplicates).
KEY_STATE_SQL = f"""
create or replace temp table {KEY_STATE} as
with current_keys as (
    select province_code, province_valid_from, period,
           concat(?, ':', count(*), ':', sum(cast(hash(v) as hugeint))) as fingerprint
    from {{source}} v
    group by province_code, province_valid_from, period
)
select c.*, ? and exists (
    select 1 from quality.validated_keys k
    where {same_unit_period("k", "c")} and k.fingerprint = c.fingerprint
) as unchanged
from current_keys c
"""

CHANGED_VALUES_SQL = f"""
create or replace temp view {CHANGED_VALUES} as
select v.* from {{source}} v
where exists (select 1 from {KEY_STATE} k where not k.unchanged and {same_unit_period("k", "v")})
"""

VALUE_TABLE_SQL = {
    "indicator_values": INDICATOR_VALUES,
    "period_over_period": PERIOD_OVER_PERIOD,
    "value_history": VALUE_HISTORY,
    "national_totals": NATIONAL_TOTALS,
}


def checked_table_name(name: str) -> str:
    """A table name safe to put into SQL (names cannot be bound as parameters)."""
    if not TABLE_NAME.fullmatch(name):
        raise ValueError(f"not a table name: {name!r} (expected [catalog.][schema.]table)")
    return name


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    """The table's column names, or None when it does not exist."""
    try:
        return [row[0] for row in con.execute(f"describe {checked_table_name(table)}").fetchall()]
    except duckdb.CatalogException:
        return None


def indicator_pairs_sql(source: str, indicators: list[str]) -> str:
    for code in indicators:
        if not INDICATOR_CODE.fullmatch(code):
            raise ValueError(f"not an indicator code: {code!r}")
    columns = ",\n    ".join(f"max(value) filter (where indicator_code = '{code}') as {code}" for code in indicators)
    return INDICATOR_PAIRS.format(source=checked_table_name(source), indicator_columns=columns)


def submission_status_sql(con: duckdb.DuckDBPyConnection, status_table: str, as_of: date) -> str:
    """The status table's own deadline (one definition: dbt's submission_status), and its unit key
    when it has one."""
    columns = table_columns(con, status_table) or []
    return SUBMISSION_STATUS.format(
        source=checked_table_name(status_table),
        province_valid_from="province_valid_from" if "province_valid_from" in columns else "null::date",
        as_of=f"date '{as_of.isoformat()}'",
    )


def check_table_sql(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    source: str,
    status_table: str,
    indicators: list[str],
    as_of: date,
) -> str:
    """The query of the named check table.

    ``indicators`` are the columns of the wide pair table; ``as_of`` is the day deadlines
    are judged on.
    """
    if name == PAIR_TABLE:
        return indicator_pairs_sql(source, indicators)
    if name == STATUS_TABLE:
        return submission_status_sql(con, status_table, as_of)
    return VALUE_TABLE_SQL[name].format(source=checked_table_name(source))


@contextmanager
def materialized(con: duckdb.DuckDBPyConnection, name: str, **query) -> Iterator[str]:
    """The named check table as a temporary table (arguments as check_table_sql).

    GX gets only the columns it checks, so the strings (file, province...) stay in DuckDB
    and are read for the offending rows only: converting them costs more than validating.
    """
    table = f"quality_check_{name}"
    con.execute(f"create or replace temp table {table} as {check_table_sql(con, name, **query)}")
    try:
        yield table
    finally:
        con.execute(f"drop table if exists {table}")


@contextmanager
def changed_values(con: duckdb.DuckDBPyConnection, source: str, *, rules_version: str, full: bool) -> Iterator[str]:
    """The values of the units x periods that changed since the last quarantine, as a temp view.

    Alongside it, the temp table KEY_STATE fingerprints every unit x period of ``source``.
    With ``full``, or when quality.validated_keys is empty, every value counts as changed.
    """
    ensure_findings_table(con)
    source = checked_table_name(source)
    con.execute(KEY_STATE_SQL.format(source=source), [rules_version, not full])
    con.execute(CHANGED_VALUES_SQL.format(source=source))
    try:
        yield CHANGED_VALUES
    finally:
        con.execute(f"drop view if exists {CHANGED_VALUES}")
        con.execute(f"drop table if exists {KEY_STATE}")


def read_rows(
    con: duckdb.DuckDBPyConnection, table: str, *, columns: list[str], check_rows: list[int] | None = None
) -> pd.DataFrame:
    """Columns of a materialized check table, all rows or only the given check rows."""
    select = f"select {', '.join(columns)} from {checked_table_name(table)}"
    if check_rows is None:
        return con.execute(select).df()
    return con.execute(f"{select} where check_row in (select unnest(?))", [check_rows]).df()
