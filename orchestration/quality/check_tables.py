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
# Every row of these tables depends only on the values of one province unit x period: what the
# files alone decide (`p06 validate`).
ROW_LOCAL_TABLES = ("indicator_values", PAIR_TABLE)
UNIT_PERIOD = ("province_code", "province_valid_from", "period")
UNIT_INDICATOR = ("province_code", "province_valid_from", "indicator_code")
# A check table's scope: the columns such that each of its rows depends only on the values sharing
# them (a stock's previous period, a unit's history, a national total's provinces). A validation
# checks only the scopes whose values changed since the last validation into the same findings
# table, and keeps the findings of the others. The status table is always checked whole: its verdicts move
# with the day (a deadline passes) without any value changing.
SCOPES = {
    "indicator_values": UNIT_PERIOD,
    PAIR_TABLE: UNIT_PERIOD,
    "period_over_period": UNIT_INDICATOR,
    "value_history": UNIT_INDICATOR,
    "national_totals": ("period", "indicator_code"),
}
SCOPE_STATE = "quality_scope_state"


def scope_key(check_table: str, alias: str) -> str:
    """SQL: the scope of row ``alias`` in ``check_table`` as one comparable string (NULLs included)."""
    return f"to_json(struct_pack({', '.join(f'{column} := {alias}.{column}' for column in SCOPES[check_table])}))"


def changed_view(check_table: str) -> str:
    return f"quality_changed_{check_table}"


# ``unchanged``: the scope's values (every column, load_id included), the checked table and its check
# table's rules and SQL are those the last validation into the same findings table checked, so the
# findings stored there still hold.
# The fingerprint is that version, the row count and the sum of the rows' 64-bit hashes (a sum,
# unlike xor, keeps duplicates).
SCOPE_FINGERPRINTS_SQL = """
select '{check_table}' as check_table, {key} as scope_key,
       concat(?, ':', count(*), ':', sum(cast(hash(v) as hugeint))) as fingerprint
from {source} v
group by scope_key
"""

SCOPE_STATE_SQL = f"""
create or replace temp table {SCOPE_STATE} as
select s.*, ? and exists (
    select 1 from quality.validated_scopes k
    where k.findings_table = ? and k.check_table = s.check_table and k.scope_key = s.scope_key
      and k.fingerprint = s.fingerprint
) as unchanged
from ({{fingerprints}}) s
"""

CHANGED_VIEW_SQL = f"""
create or replace temp view {{view}} as
select v.* from {{source}} v
where {{key}} in (select scope_key from {SCOPE_STATE} where check_table = '{{check_table}}' and not unchanged)
"""

VALUE_TABLE_SQL = {
    "indicator_values": INDICATOR_VALUES,
    "period_over_period": PERIOD_OVER_PERIOD,
    "value_history": VALUE_HISTORY,
    "national_totals": NATIONAL_TOTALS,
}
CHECK_TABLE_SQL = {**VALUE_TABLE_SQL, PAIR_TABLE: INDICATOR_PAIRS, STATUS_TABLE: SUBMISSION_STATUS}


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
def changed_scopes(
    con: duckdb.DuckDBPyConnection, source: str, *, findings_table: str, versions: dict[str, str], full: bool
) -> Iterator[dict[str, str]]:
    """For each check table of SCOPES, a temp view of the values of ``source`` in its changed scopes:
    those the last validation into ``findings_table`` did not check as they are now.

    Alongside them, the temp table SCOPE_STATE fingerprints every scope of ``source``; ``versions``
    names the checked table, rules and SQL of each check table. With ``full``, or when
    quality.validated_scopes holds nothing for ``findings_table``, every value counts as changed.
    """
    ensure_findings_table(con)
    source = checked_table_name(source)
    fingerprints = " union all ".join(
        SCOPE_FINGERPRINTS_SQL.format(check_table=table, key=scope_key(table, "v"), source=source) for table in SCOPES
    )
    con.execute(
        SCOPE_STATE_SQL.format(fingerprints=fingerprints),
        [not full, findings_table, *(versions[table] for table in SCOPES)],
    )
    views = {table: changed_view(table) for table in SCOPES}
    for table, view in views.items():
        con.execute(CHANGED_VIEW_SQL.format(view=view, source=source, key=scope_key(table, "v"), check_table=table))
    try:
        yield views
    finally:
        for view in views.values():
            con.execute(f"drop view if exists {view}")
        con.execute(f"drop table if exists {SCOPE_STATE}")


def read_rows(
    con: duckdb.DuckDBPyConnection, table: str, *, columns: list[str], check_rows: list[int] | None = None
) -> pd.DataFrame:
    """Columns of a materialized check table, all rows or only the given check rows."""
    select = f"select {', '.join(columns)} from {checked_table_name(table)}"
    if check_rows is None:
        return con.execute(select).df()
    return con.execute(f"{select} where check_row in (select unnest(?))", [check_rows]).df()
