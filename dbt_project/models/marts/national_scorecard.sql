-- Rates per period from the provinces' sums: each rate sums its numerator and denominator over
-- the units (as reported, `00` excluded) that have both. The figures reported under `00` are
-- kept beside as reported_national_<rate>, for comparison.

with parts as (
    select * from {{ ref('int_scorecard_parts_pivoted') }}
),

periods as (
    select distinct period, period_grain, period_start, period_end from parts
),

province_sums as (
    select
        period,
        count(*) as provinces_reporting,
        {%- for rate in var('scorecard_rates') %}
        {%- set numerator, denominator = rate.numerator | lower, rate.denominator | lower %}
        sum(case when {{ denominator }} is not null then {{ numerator }} end)
            as {{ rate.rate }}_numerator,
        sum(case when {{ numerator }} is not null then {{ denominator }} end)
            as {{ rate.rate }}_denominator
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from parts
    where province_code <> '00'
    group by period
),

national as (
    select * from parts
    where province_code = '00'
)

select
    periods.period,
    periods.period_grain,
    periods.period_start,
    periods.period_end,
    cast(coalesce(province_sums.provinces_reporting, 0) as bigint) as provinces_reporting,
    {%- for rate in var('scorecard_rates') %}
    cast({{ percent('province_sums.' ~ rate.rate ~ '_numerator', 'province_sums.' ~ rate.rate ~ '_denominator') }}
        as double precision) as {{ rate.rate }},
    {%- endfor %}
    {%- for rate in var('scorecard_rates') %}
    cast({{ percent('national.' ~ rate.numerator | lower, 'national.' ~ rate.denominator | lower) }}
        as double precision) as reported_national_{{ rate.rate }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
from periods
left join province_sums on periods.period = province_sums.period
left join national on periods.period = national.period
