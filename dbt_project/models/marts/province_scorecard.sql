-- Rates per province unit × period as reported (`00` is in national_scorecard), with derived
-- year rows for years a unit reported only by sub-period.

with parts as (
    select * from {{ ref('int_scorecard_parts_pivoted') }}
    where province_code <> '00'
),

units as (
    select * from {{ ref('dim_province') }}
)

select
    parts.province_code,
    units.province_name,
    parts.province_valid_from,
    parts.period,
    parts.period_grain,
    parts.period_start,
    parts.period_end,
    parts.is_derived,
    {%- for rate in var('scorecard_rates') %}
        {{ percent('parts.' ~ rate.numerator | lower, 'parts.' ~ rate.denominator | lower) }}
            as {{ rate.rate }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from parts
inner join units
    on parts.province_code = units.province_code
    and parts.province_valid_from = units.valid_from
