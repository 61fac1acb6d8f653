-- Task completion per province unit × period, from the task list or, where none was sent, from
-- the TASKS_* totals (then overdue and on-time are unknown: NULL).

with task_counts as (
    select * from {{ ref('int_task_counts_combined') }}
    where province_code <> '00'
)

select
    province_code,
    province_valid_from,
    period,
    period_grain,
    period_start,
    period_end,
    tasks_assigned,
    tasks_completed,
    tasks_overdue,
    tasks_on_time,
    {{ percent('tasks_completed', 'tasks_assigned') }} as completion_rate,
    {{ percent('tasks_on_time', 'tasks_assigned') }} as on_time_rate,
    counted_from
from task_counts
