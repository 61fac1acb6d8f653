-- Accepted values per province unit × period × indicator, with the TASKS_* counts taken from
-- the task list where one was sent (int_task_counts_combined decides which wins).

with published as (
    select
        province_code,
        province_valid_from,
        period,
        period_grain,
        period_start,
        period_end,
        indicator_code,
        time_aggregation,
        value
    from {{ ref('fct_indicator_value') }}
    where indicator_code not in ('TASKS_ASSIGNED', 'TASKS_COMPLETED')
),

task_counts as (
    select * from {{ ref('int_task_counts_combined') }}
),

task_values as (
    select
        province_code, province_valid_from, period, period_grain, period_start, period_end,
        cast('TASKS_ASSIGNED' as {{ type_text() }}) as indicator_code,
        tasks_assigned as value
    from task_counts

    union all

    select
        province_code, province_valid_from, period, period_grain, period_start, period_end,
        cast('TASKS_COMPLETED' as {{ type_text() }}) as indicator_code,
        tasks_completed as value
    from task_counts
),

indicators as (
    select * from {{ ref('indicators') }}
)

select * from published

union all

select
    task_values.province_code,
    task_values.province_valid_from,
    task_values.period,
    task_values.period_grain,
    task_values.period_start,
    task_values.period_end,
    task_values.indicator_code,
    indicators.time_aggregation,
    cast(task_values.value as {{ type_double() }}) as value
from task_values
inner join indicators on task_values.indicator_code = indicators.indicator_code
where task_values.value is not null
