with source as (
    select * from {{ source('raw', 'indicator_values') }}
),

renamed as (
    select
        ---------- where it came from
        cast(file_hash as varchar) as file_hash,
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(source_row as bigint) as source_row,
        cast(load_id as bigint) as load_id,
        ---------- key
        cast(province_code as varchar) as province_code,
        cast(province_valid_from as date) as province_valid_from,
        cast(commune_code as varchar) as commune_code,
        cast(period as varchar) as period,
        cast(period_grain as varchar) as period_grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(indicator_code as varchar) as indicator_code,
        ---------- value
        cast(value as double precision) as value,
        cast(note as varchar) as note,
        ---------- timestamps
        cast(submitted_at as timestamp) as submitted_at,
        cast(ingested_at as timestamp) as ingested_at
    from source
)

select * from renamed
