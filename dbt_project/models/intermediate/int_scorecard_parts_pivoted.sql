-- One row per province unit × period with any accepted value (reported or derived year rows),
-- one column per indicator a scorecard rate is computed from (lower-case indicator code).

with all_values as (
    select *, false as is_derived from {{ ref('int_scorecard_values_unioned') }}
    union all
    select *, true as is_derived from {{ ref('int_year_values_derived') }}
)

select
    province_code,
    province_valid_from,
    period,
    period_grain,
    period_start,
    period_end,
    -- a year row is either reported (then nothing is derived for it) or wholly derived
    bool_or(is_derived) as is_derived,
    {%- for code in scorecard_parts() %}
        max(case when indicator_code = '{{ code }}' then value end) as {{ code | lower }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from all_values
group by province_code, province_valid_from, period, period_grain, period_start, period_end
