select
    indicator_code,
    indicator_name,
    unit,
    time_aggregation,
    additive
from {{ ref('indicators') }}
