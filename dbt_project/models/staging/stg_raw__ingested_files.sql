with source as (
    select * from {{ source('raw', 'ingested_files') }}
),

renamed as (
    select
        ---------- ids
        cast(file_hash as {{ type_text() }}) as file_hash,
        cast(load_id as bigint) as load_id,
        ---------- file
        cast(source_file as {{ type_text() }}) as source_file,
        cast(file_format as {{ type_text() }}) as file_format,
        cast(file_size as bigint) as file_size,
        ---------- outcome
        cast(status as {{ type_text() }}) as status,
        cast(rows_accepted as bigint) as rows_accepted,
        cast(rows_rejected as bigint) as rows_rejected,
        cast(ingested_at as {{ type_timestamp() }}) as ingested_at
    from source
)

select * from renamed
