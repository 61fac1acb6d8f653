with source as (
    select * from {{ source('quality', 'findings') }}
),

renamed as (
    select
        ---------- finding
        cast(rule as varchar) as rule,
        cast(severity as varchar) as severity,
        cast(detail as varchar) as detail,
        cast(quarantined as boolean) as is_quarantined,
        ---------- the value it concerns
        cast(province_code as varchar) as province_code,
        cast(province_valid_from as date) as province_valid_from,
        cast(period as varchar) as period,
        cast(indicator_code as varchar) as indicator_code,
        cast(value as double precision) as value,
        ---------- where it came from
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(source_row as bigint) as source_row
    from source
)

select * from renamed
