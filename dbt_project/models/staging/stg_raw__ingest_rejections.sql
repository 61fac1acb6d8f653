with source as (
    select * from {{ source('raw', 'ingest_rejections') }}
),

renamed as (
    select
        ---------- where it came from
        cast(file_hash as {{ type_text() }}) as file_hash,
        cast(source_file as {{ type_text() }}) as source_file,
        cast(sheet as {{ type_text() }}) as sheet,
        cast(source_row as bigint) as source_row,
        cast(column_name as {{ type_text() }}) as column_name,
        cast(value_seen as {{ type_text() }}) as value_seen,
        cast(load_id as bigint) as load_id,
        ---------- finding
        cast(rule as {{ type_text() }}) as rule,
        cast(severity as {{ type_text() }}) as severity,
        -- the sentence of records.sentence (orchestration/ingest/records.py, what p06 validate
        -- prints): raw keeps only its end, worded once per distinct reason
        cast(
            source_file
            || coalesce(', sheet ' || sheet, '')
            || coalesce(', row ' || cast(source_row as {{ type_text() }}), '')
            || reason
            as {{ type_text() }}
        ) as detail,
        ---------- what could be resolved
        cast(province_code as {{ type_text() }}) as province_code,
        cast(province_valid_from as date) as province_valid_from,
        cast(period as {{ type_text() }}) as period,
        cast(indicator_code as {{ type_text() }}) as indicator_code,
        ---------- timestamps
        cast(submitted_at as {{ type_timestamp() }}) as submitted_at,
        cast(ingested_at as {{ type_timestamp() }}) as ingested_at
    from source
)

select * from renamed
