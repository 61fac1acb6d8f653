-- Year values a province unit did not report (no year row at all), derived only from whole
-- years: a stock takes the value of the sub-period that ends on 31 December (Q4, H2 or
-- December), a flow the sum of every sub-period of one grain when that set covers the year.
-- Only units valid on 31 December.

with sub_periods as (
    select
        *,
        cast(cast(extract(year from period_start) as integer) as {{ type_text() }}) as year_period
    from {{ ref('int_scorecard_values_unioned') }}
    where period_grain <> 'year'
),

sub_period_values as (
    select
        *,
        cast(year_period || '-12-31' as date) as year_end
    from sub_periods
),

years_reported as (
    select distinct province_code, province_valid_from, period
    from {{ ref('int_scorecard_values_unioned') }}
    where period_grain = 'year'
),

-- how many periods of each grain make a year, and which grain is taken first
grains as (
    select
        cast('quarter' as {{ type_text() }}) as period_grain,
        4 as periods_per_year,
        1 as preference
    union all
    select 'month' as period_grain, 12 as periods_per_year, 2 as preference
    union all
    select 'half' as period_grain, 2 as periods_per_year, 3 as preference
),

candidates as (
    select
        values_.*,
        grains.periods_per_year,
        grains.preference
    from sub_period_values as values_
    inner join grains on values_.period_grain = grains.period_grain
    inner join {{ ref('provinces') }} as units
        on values_.province_code = units.province_code
        and values_.province_valid_from = units.valid_from
    where
        (units.valid_to is null or units.valid_to >= values_.year_end)
        and not exists (
            select 1
            from years_reported
            where
                years_reported.province_code = values_.province_code
                and years_reported.province_valid_from = values_.province_valid_from
                and years_reported.period = values_.year_period
        )
),

stocks as (
    select *
    from (
        select
            province_code, province_valid_from, year_period, year_end, indicator_code,
            time_aggregation, value,
            row_number() over (
                partition by province_code, province_valid_from, year_period, indicator_code
                order by preference
            ) as grain_rank
        from candidates
        -- a stock as at an earlier date (Q3, H1, ...) is not the year's
        where time_aggregation = 'stock' and period_end = year_end
    ) as ranked
    where grain_rank = 1
),

complete_flow_sums as (
    select
        province_code, province_valid_from, year_period, year_end, indicator_code,
        time_aggregation, preference,
        sum(value) as value
    from candidates
    where time_aggregation = 'flow'
    group by
        province_code, province_valid_from, year_period, year_end, indicator_code,
        time_aggregation, preference, periods_per_year
    having count(distinct period) = periods_per_year
),

flows as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by province_code, province_valid_from, year_period, indicator_code
                order by preference
            ) as grain_rank
        from complete_flow_sums
    ) as ranked
    where grain_rank = 1
),

derived as (
    select
        province_code, province_valid_from, year_period, year_end, indicator_code,
        time_aggregation, value
    from stocks
    union all
    select
        province_code, province_valid_from, year_period, year_end, indicator_code,
        time_aggregation, value
    from flows
)

select
    province_code,
    province_valid_from,
    year_period as period,
    cast('year' as {{ type_text() }}) as period_grain,
    cast(year_period || '-01-01' as date) as period_start,
    year_end as period_end,
    indicator_code,
    time_aggregation,
    value
from derived
