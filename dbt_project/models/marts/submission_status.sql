-- Every province unit valid in a period × every expected period: the reporting calendar up to
-- the run date plus every period anyone submitted for. A unit that sent nothing shows up as
-- not submitted. Deadline: the 15th day after the period ends.

-- Every accepted row, read twice below as a subquery, not a CTE: DuckDB and PostgreSQL
-- materialize a CTE read twice (a copy of every raw row).
{%- set accepted_rows -%}
    select province_code, province_valid_from, period, period_start, period_end, submitted_at
    from {{ ref('stg_raw__indicator_values') }}
    union all
    select province_code, province_valid_from, period, period_start, period_end, submitted_at
    from {{ ref('stg_raw__task_rows') }}
{%- endset %}

with units as (
    select * from {{ ref('dim_province') }}
    where province_code <> '00'
),

periods as (
    select period, period_start, period_end
    from {{ ref('reporting_calendar') }}
    where period_end < {{ run_date() }}
    union
    select distinct period, period_start, period_end
    from ({{ accepted_rows }}) as accepted_rows
),

expected as (
    select
        units.province_code,
        units.province_name,
        units.valid_from as province_valid_from,
        periods.period,
        periods.period_start,
        periods.period_end,
        periods.period_end + {{ var('deadline_days_after_period_end') }} as deadline
    from periods
    inner join units
        on periods.period_end >= units.valid_from
        and (units.valid_to is null or periods.period_end <= units.valid_to)
),

accepted as (
    select
        province_code,
        province_valid_from,
        period,
        count(*) as rows_accepted,
        min(submitted_at) as first_submitted_at,
        max(submitted_at) as last_submitted_at
    from ({{ accepted_rows }}) as accepted_rows
    group by province_code, province_valid_from, period
),

-- a rejected row counts once however many reasons it was rejected for
rejected_rows as (
    select distinct
        expected.province_code,
        expected.province_valid_from,
        expected.period,
        rejections.file_hash,
        rejections.sheet,
        rejections.source_row
    from {{ ref('stg_raw__ingest_rejections') }} as rejections
    inner join expected
        on rejections.province_code = expected.province_code
        and rejections.period = expected.period
        and coalesce(
            rejections.province_valid_from, expected.province_valid_from
        ) = expected.province_valid_from
    where rejections.source_row is not null
),

rejected as (
    select province_code, province_valid_from, period, count(*) as rows_rejected
    from rejected_rows
    group by province_code, province_valid_from, period
)

select
    expected.province_code,
    expected.province_name,
    expected.province_valid_from,
    expected.period,
    expected.period_start,
    expected.period_end,
    expected.deadline,
    accepted.first_submitted_at is not null as submitted,
    accepted.first_submitted_at,
    accepted.last_submitted_at,
    case
        when accepted.first_submitted_at is not null
            then cast(accepted.first_submitted_at as date) <= expected.deadline
        when expected.deadline < {{ run_date() }} then false
    end as on_time,
    cast(coalesce(accepted.rows_accepted, 0) as bigint) as rows_accepted,
    cast(coalesce(rejected.rows_rejected, 0) as bigint) as rows_rejected
from expected
left join accepted
    on expected.province_code = accepted.province_code
    and expected.province_valid_from = accepted.province_valid_from
    and expected.period = accepted.period
left join rejected
    on expected.province_code = rejected.province_code
    and expected.province_valid_from = rejected.province_valid_from
    and expected.period = rejected.period
