-- One row per province unit × period with a task list or TASKS_* totals. A task list wins over
-- totals; each listed task counts once, in its latest version (ties: the row ingested last).

with ranked_tasks as (
    select
        *,
        row_number() over (
            partition by province_code, province_valid_from, period, task_code
            order by {{ latest_version_first() }}
        ) as version_rank
    from {{ ref('stg_raw__task_rows') }}
),

tasks as (
    select
        *,
        status = 'done' as is_done
    from ranked_tasks
    where version_rank = 1
),

task_lists as (
    select
        province_code,
        province_valid_from,
        period,
        period_grain,
        period_start,
        period_end,
        count(*) as tasks_assigned,
        sum(case when is_done then 1 else 0 end) as tasks_completed,
        -- not done and past its deadline when the period ended
        sum(case when not is_done and deadline < period_end then 1 else 0 end) as tasks_overdue,
        sum(
            case when is_done and (deadline is null or completed_on <= deadline) then 1 else 0 end
        ) as tasks_on_time
    from tasks
    group by province_code, province_valid_from, period, period_grain, period_start, period_end
),

totals as (
    select
        province_code,
        province_valid_from,
        period,
        period_grain,
        period_start,
        period_end,
        max(case when indicator_code = 'TASKS_ASSIGNED' then value end) as tasks_assigned,
        max(case when indicator_code = 'TASKS_COMPLETED' then value end) as tasks_completed
    from {{ ref('fct_indicator_value') }}
    where indicator_code in ('TASKS_ASSIGNED', 'TASKS_COMPLETED')
    group by province_code, province_valid_from, period, period_grain, period_start, period_end
),

combined as (
    select
        *,
        cast('task_list' as {{ type_text() }}) as counted_from
    from task_lists

    union all

    select
        province_code,
        province_valid_from,
        period,
        period_grain,
        period_start,
        period_end,
        tasks_assigned,
        tasks_completed,
        null as tasks_overdue,
        null as tasks_on_time,
        cast('totals' as {{ type_text() }}) as counted_from
    from totals
    where not exists (
        select 1
        from task_lists
        where
            task_lists.province_code = totals.province_code
            and task_lists.province_valid_from = totals.province_valid_from
            and task_lists.period = totals.period
    )
)

select
    province_code,
    province_valid_from,
    period,
    period_grain,
    period_start,
    period_end,
    cast(tasks_assigned as bigint) as tasks_assigned,
    cast(tasks_completed as bigint) as tasks_completed,
    cast(tasks_overdue as bigint) as tasks_overdue,
    cast(tasks_on_time as bigint) as tasks_on_time,
    counted_from
from combined
