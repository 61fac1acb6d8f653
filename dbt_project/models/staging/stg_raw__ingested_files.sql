with source as (
    select * from {{ source('raw', 'ingested_files') }}
),

renamed as (
    select
        ---------- ids
        cast(file_hash as varchar) as file_hash,
        cast(load_id as bigint) as load_id,
        ---------- file
        cast(source_file as varchar) as source_file,
        cast(file_format as varchar) as file_format,
        cast(file_size as bigint) as file_size,
        ---------- outcome
        cast(status as varchar) as status,
        cast(rows_accepted as bigint) as rows_accepted,
        cast(rows_rejected as bigint) as rows_rejected,
        cast(ingested_at as timestamp) as ingested_at
    from source
)

select * from renamed
