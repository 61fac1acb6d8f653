with source as (
    select * from {{ source('quality', 'findings') }}
),

renamed as (
    select
        ---------- finding
        cast(rule as {{ type_text() }}) as rule,
        cast(severity as {{ type_text() }}) as severity,
        cast(detail as {{ type_text() }}) as detail,
        cast(quarantined as boolean) as is_quarantined,
        ---------- the value it concerns
        cast(province_code as {{ type_text() }}) as province_code,
        cast(province_valid_from as date) as province_valid_from,
        cast(period as {{ type_text() }}) as period,
        cast(indicator_code as {{ type_text() }}) as indicator_code,
        cast(value as {{ type_double() }}) as value,
        ---------- where it came from
        cast(source_file as {{ type_text() }}) as source_file,
        cast(sheet as {{ type_text() }}) as sheet,
        cast(source_row as bigint) as source_row
    from source
)

select * from renamed
