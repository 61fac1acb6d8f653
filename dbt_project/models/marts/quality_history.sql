-- Data quality over time: every refresh's count per rule, as appended by the quality step.

select
    run_id,
    refreshed_at,
    rule,
    severity,
    findings,
    values_held_back,
    files_rejected,
    rows_rejected
from {{ ref('stg_quality__history') }}
