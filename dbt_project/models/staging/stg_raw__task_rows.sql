with source as (
    select * from {{ source('raw', 'task_rows') }}
),

renamed as (
    select
        ---------- where it came from
        cast(file_hash as {{ type_text() }}) as file_hash,
        cast(source_file as {{ type_text() }}) as source_file,
        cast(sheet as {{ type_text() }}) as sheet,
        cast(source_row as bigint) as source_row,
        cast(load_id as bigint) as load_id,
        ---------- key
        cast(province_code as {{ type_text() }}) as province_code,
        cast(province_valid_from as date) as province_valid_from,
        cast(period as {{ type_text() }}) as period,
        cast(period_grain as {{ type_text() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(task_code as {{ type_text() }}) as task_code,
        ---------- task
        cast(task_name as {{ type_text() }}) as task_name,
        cast(deadline as date) as deadline,
        cast(status as {{ type_text() }}) as status,
        cast(completed_on as date) as completed_on,
        ---------- timestamps
        cast(submitted_at as {{ type_timestamp() }}) as submitted_at,
        cast(ingested_at as {{ type_timestamp() }}) as ingested_at
    from source
)

select * from renamed
