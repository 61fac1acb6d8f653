{#- Spark: a table rebuilt whole. Its Parquet tables have no DELETE (delete+insert, the
    post-hook); MERGE needs Delta or Iceberg. -#}
{%- set on_spark = target.type == 'spark' -%}
{{
    config(
        materialized='table' if on_spark else 'incremental',
        incremental_strategy='delete+insert',
        unique_key=['province_code', 'province_valid_from', 'period', 'indicator_code'],
        on_schema_change='append_new_columns',
        post_hook=[] if on_spark else ["{{ delete_quarantined_values(this) }}"]
    )
}}

-- Accepted values: resolved values minus the quarantined ones. An incremental run writes only
-- the rows that differ from what the table holds (a new winning version, another version
-- counted, a value released from quarantine); the post-hook removes newly quarantined ones.

with resolved as (
    select * from {{ ref('int_indicator_values_resolved') }}
),

accepted as (
    select resolved.*
    from resolved
    where not {{ is_quarantined('resolved') }}
)

select * from accepted
{% if is_incremental() %}
where not exists (
    select 1
    from {{ this }} as published
    where published.province_code = accepted.province_code
      and published.province_valid_from = accepted.province_valid_from
      and published.period = accepted.period
      and published.indicator_code = accepted.indicator_code
      and published.file_hash = accepted.file_hash
      and published.sheet is not distinct from accepted.sheet
      and published.source_row is not distinct from accepted.source_row
      and published.versions_sent = accepted.versions_sent
)
{% endif %}
