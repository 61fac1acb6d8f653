with source as (
    select * from {{ source('quality', 'history') }}
),

renamed as (
    select
        cast(run_id as {{ type_text() }}) as run_id,
        cast(refreshed_at as {{ type_timestamp() }}) as refreshed_at,
        cast(rule as {{ type_text() }}) as rule,
        cast(severity as {{ type_text() }}) as severity,
        cast(findings as bigint) as findings,
        cast(values_held_back as bigint) as values_held_back,
        cast(files_rejected as bigint) as files_rejected,
        cast(rows_rejected as bigint) as rows_rejected
    from source
)

select * from renamed
