-- Every finding: ingestion rejections (every version ever sent) and the current refresh's
-- quality-rule findings. `is_held_back`: the value is not in the marts.
-- A view in the work database: publishing copies it into the published file as a table, the one
-- copy of a million rejected rows (a table here was a second: +4 to +10 s per million). Spark
-- re-plans a view in every query, so there it stays a table.
{{ config(materialized='table' if target.type == 'spark' else 'view') }}

with rejections as (
    select * from {{ ref('stg_raw__ingest_rejections') }}
),

findings as (
    select * from {{ ref('stg_quality__findings') }}
)

select
    rule,
    severity,
    province_code,
    province_valid_from,
    period,
    indicator_code,
    source_file,
    sheet,
    source_row,
    column_name,
    value_seen,
    cast(null as {{ type_double() }}) as value,
    detail,
    cast('ingestion' as {{ type_text() }}) as stage,
    true as is_held_back
from rejections

union all

select
    rule,
    severity,
    province_code,
    province_valid_from,
    period,
    indicator_code,
    source_file,
    sheet,
    source_row,
    cast(null as {{ type_text() }}) as column_name,
    cast(null as {{ type_text() }}) as value_seen,
    value,
    detail,
    cast('quality' as {{ type_text() }}) as stage,
    is_quarantined as is_held_back
from findings
