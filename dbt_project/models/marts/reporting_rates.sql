-- DHIS2's reporting-rate summary: per unit and for the whole country (`00`), for every period
-- of the reporting calendar. Built on submission_status, so "reported" (at least one accepted
-- value or task) and "on time" (by its deadline) have one definition.

with status as (
    select * from {{ ref('submission_status') }}
),

calendar as (
    select period from {{ ref('reporting_calendar') }}
),

country as (
    select province_code, province_name, valid_from
    from {{ ref('dim_province') }}
    where province_code = '00'
),

unit_reports as (
    select
        status.period,
        status.period_start,
        status.period_end,
        status.deadline,
        status.province_code,
        status.province_name,
        status.province_valid_from,
        cast(1 as bigint) as reports_expected,
        cast(case when status.submitted then 1 else 0 end as bigint) as reports_submitted,
        cast(case when status.on_time then 1 else 0 end as bigint) as reports_on_time
    from status
    inner join calendar on status.period = calendar.period
),

national_reports as (
    select
        unit_reports.period,
        unit_reports.period_start,
        unit_reports.period_end,
        unit_reports.deadline,
        country.province_code,
        country.province_name,
        country.valid_from as province_valid_from,
        cast(sum(unit_reports.reports_expected) as bigint) as reports_expected,
        cast(sum(unit_reports.reports_submitted) as bigint) as reports_submitted,
        cast(sum(unit_reports.reports_on_time) as bigint) as reports_on_time
    from unit_reports
    cross join country
    group by
        unit_reports.period,
        unit_reports.period_start,
        unit_reports.period_end,
        unit_reports.deadline,
        country.province_code, country.province_name, country.valid_from
),

reports as (
    select * from unit_reports
    union all
    select * from national_reports
)

select
    period,
    period_start,
    period_end,
    deadline,
    province_code,
    province_name,
    province_valid_from,
    reports_expected,
    reports_submitted,
    reports_on_time,
    cast({{ percent('reports_submitted', 'reports_expected') }} as {{ type_double() }})
        as reporting_rate,
    cast({{ percent('reports_on_time', 'reports_expected') }} as {{ type_double() }})
        as on_time_rate
from reports
