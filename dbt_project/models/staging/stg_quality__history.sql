with source as (
    select * from {{ source('quality', 'history') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(refreshed_at as timestamp) as refreshed_at,
        cast(rule as varchar) as rule,
        cast(severity as varchar) as severity,
        cast(findings as bigint) as findings,
        cast(values_held_back as bigint) as values_held_back,
        cast(files_rejected as bigint) as files_rejected,
        cast(rows_rejected as bigint) as rows_rejected
    from source
)

select * from renamed
