-- History re-aggregated to today's 34 units: the parts (additive counts) of every unit that
-- was merged into a current unit are summed and the rates recomputed from the sums. A part is
-- NULL unless every unit valid in the period that rolls up into the current unit reported it.

with units as (
    select * from {{ ref('dim_province') }}
    where province_code <> '00'
),

contributions as (
    select
        parts.*,
        units.current_province_code,
        units.current_province_valid_from
    from {{ ref('int_scorecard_parts_pivoted') }} as parts
    inner join units
        on parts.province_code = units.province_code
        and parts.province_valid_from = units.valid_from
),

periods as (
    select distinct period, period_grain, period_start, period_end from contributions
),

expected_units as (
    select
        units.current_province_code,
        periods.period,
        count(*) as units_expected
    from periods
    inner join units
        on periods.period_end >= units.valid_from
        and (units.valid_to is null or periods.period_end <= units.valid_to)
    group by units.current_province_code, periods.period
),

rolled_up as (
    select
        contributions.current_province_code,
        contributions.current_province_valid_from,
        contributions.period,
        contributions.period_grain,
        contributions.period_start,
        contributions.period_end,
        bool_or(contributions.is_derived) as is_derived,
        count(*) as units_reporting,
        {%- for code in scorecard_parts() %}
            case
                when count(contributions.{{ code | lower }}) = max(expected_units.units_expected)
                    then sum(contributions.{{ code | lower }})
            end as {{ code | lower }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from contributions
    inner join expected_units
        on contributions.current_province_code = expected_units.current_province_code
        and contributions.period = expected_units.period
    group by
        contributions.current_province_code,
        contributions.current_province_valid_from,
        contributions.period,
        contributions.period_grain,
        contributions.period_start,
        contributions.period_end
)

select
    rolled_up.current_province_code as province_code,
    current_units.province_name,
    rolled_up.current_province_valid_from as province_valid_from,
    rolled_up.period,
    rolled_up.period_grain,
    rolled_up.period_start,
    rolled_up.period_end,
    rolled_up.is_derived,
    cast(rolled_up.units_reporting as bigint) as units_reporting,
    {%- for rate in var('scorecard_rates') %}
        {{ percent(
            'rolled_up.' ~ rate.numerator | lower,
            'rolled_up.' ~ rate.denominator | lower
        ) }} as {{ rate.rate }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from rolled_up
inner join units as current_units
    on rolled_up.current_province_code = current_units.province_code
    and rolled_up.current_province_valid_from = current_units.valid_from
