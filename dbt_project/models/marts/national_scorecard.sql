-- Rates per period from the provinces' sums: each rate sums its numerator and denominator over
-- the units (as reported, `00` excluded) that have both, year rows derived from whole years
-- included. provinces_reporting is submission_status's count of units that submitted for the
-- period; provinces_in_rates counts the units, reported or derived, whose figures enter a rate.
-- The figures reported under `00` are kept beside as reported_national_<rate>, for comparison.

with parts as (
    select * from {{ ref('int_scorecard_parts_pivoted') }}
),

periods as (
    select distinct period, period_grain, period_start, period_end from parts
),

submitted as (
    select period, count(*) as provinces_reporting
    from {{ ref('submission_status') }}
    where submitted
    group by period
),

province_sums as (
    select
        period,
        count(
            case
                when
                    {%- for rate in var('scorecard_rates') %}
                        {% if not loop.first %}or {% endif %}
                        (
                            {{ rate.numerator | lower }} is not null
                            and {{ rate.denominator | lower }} is not null
                        )
                    {%- endfor %}
                    then 1
            end
        ) as provinces_in_rates,
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
    cast(coalesce(submitted.provinces_reporting, 0) as bigint) as provinces_reporting,
    cast(coalesce(province_sums.provinces_in_rates, 0) as bigint) as provinces_in_rates,
    {%- for rate in var('scorecard_rates') %}
        {{ percent(
            'province_sums.' ~ rate.rate ~ '_numerator',
            'province_sums.' ~ rate.rate ~ '_denominator'
        ) }} as {{ rate.rate }},
    {%- endfor %}
    {%- for rate in var('scorecard_rates') %}
        {{ percent('national.' ~ rate.numerator | lower, 'national.' ~ rate.denominator | lower) }}
            as reported_national_{{ rate.rate }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from periods
left join submitted on periods.period = submitted.period
left join province_sums on periods.period = province_sums.period
left join national on periods.period = national.period
