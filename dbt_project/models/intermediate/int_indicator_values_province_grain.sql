{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns'
    )
}}

-- Every value sent, at the province grain: province-level values as sent, and commune-level
-- values summed to their province within the file that sent them (one sum per file version,
-- lineage = the file: no sheet row). Raw values are only ever appended, one load at a time, so
-- each refresh adds the loads this table has not seen: the years of commune rows behind it are
-- summed once, not every night.

-- The values sent are read by both parts below as a subquery, not a CTE: DuckDB and PostgreSQL
-- materialize a CTE read twice, a copy of every raw row (10 M values: 9 of the build's 10 CPU s).
{%- set values_sent -%}
    select * from {{ ref('stg_raw__indicator_values') }}
    {%- if is_incremental() %} where load_id > (select coalesce(max(load_id), 0) from {{ this }}){% endif %}
{%- endset %}

with province_values as (
    select
        file_hash, source_file, sheet, source_row, load_id,
        province_code, province_valid_from, period, period_grain, period_start, period_end,
        indicator_code, value, submitted_at, ingested_at,
        false as is_commune_sum,
        note
    from ({{ values_sent }}) as values_sent
    where commune_code is null
),

commune_sums as (
    select
        file_hash,
        min(source_file) as source_file,
        min(sheet) as sheet,
        cast(null as bigint) as source_row,
        load_id,
        province_code, province_valid_from, period, period_grain, period_start, period_end,
        indicator_code,
        sum(value) as value,
        max(submitted_at) as submitted_at,
        max(ingested_at) as ingested_at,
        true as is_commune_sum,
        {{ distinct_notes('note') }} as note
    from ({{ values_sent }}) as values_sent
    where commune_code is not null
    group by
        file_hash, load_id,
        province_code, province_valid_from, period, period_grain, period_start, period_end,
        indicator_code
)

select * from province_values
union all
select * from commune_sums
