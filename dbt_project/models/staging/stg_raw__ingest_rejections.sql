with source as (
    select * from {{ source('raw', 'ingest_rejections') }}
),

renamed as (
    select
        ---------- where it came from
        cast(file_hash as varchar) as file_hash,
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(source_row as bigint) as source_row,
        cast(column_name as varchar) as column_name,
        cast(value_seen as varchar) as value_seen,
        cast(load_id as bigint) as load_id,
        ---------- finding
        cast(rule as varchar) as rule,
        cast(severity as varchar) as severity,
        cast(detail as varchar) as detail,
        ---------- what could be resolved
        cast(province_code as varchar) as province_code,
        cast(province_valid_from as date) as province_valid_from,
        cast(period as varchar) as period,
        cast(indicator_code as varchar) as indicator_code,
        ---------- timestamps
        cast(submitted_at as timestamp) as submitted_at,
        cast(ingested_at as timestamp) as ingested_at
    from source
)

select * from renamed
