{#- Spark: a table rebuilt whole (its Parquet tables have no DELETE for delete+insert). -#}
{{
    config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='delete+insert',
        unique_key=['province_code', 'province_valid_from', 'period', 'indicator_code'],
        on_schema_change='append_new_columns'
    )
}}

-- Input of the quality step: one value per province unit × period × indicator after
-- resubmission, before quarantine. A commune-level file counts as one version: its sum. Commune
-- values of a non-additive indicator (rates, scores) cannot be added up: ingestion rejects them
-- (commune_not_additive); the filter keeps the loads ingested before that rule as they were.
-- An incremental run ranks again only the province unit × period × indicator keys that loads
-- newer than its newest row sent values for (one new file: a few rows, not the whole history).
-- The catalogue's columns are copied as they were when a key was last ranked: a changed
-- `indicators` seed needs `p06 refresh --full-refresh`, as fct_indicator_value already does.

with indicators as (
    select * from {{ ref('indicators') }}
),
{%- if is_incremental() %}

new_keys as (
    select distinct province_code, province_valid_from, period, indicator_code
    from {{ ref('int_indicator_values_province_grain') }}
    where load_id > (select coalesce(max(load_id), 0) from {{ this }})
),
{%- endif %}

province_values as (
    select values_.*, indicators.unit, indicators.time_aggregation, indicators.additive
    from {{ ref('int_indicator_values_province_grain') }} as values_
    inner join indicators on values_.indicator_code = indicators.indicator_code
    {%- if is_incremental() %}
    inner join new_keys
        on values_.province_code = new_keys.province_code
        and values_.province_valid_from = new_keys.province_valid_from
        and values_.period = new_keys.period
        and values_.indicator_code = new_keys.indicator_code
    {%- endif %}
    where not values_.is_commune_sum or indicators.additive
),

ranked as (
    select
        *,
        row_number() over (
            partition by province_code, province_valid_from, period, indicator_code
            -- within one file, a province row wins over the sum of its communes (no source_row)
            order by {{ latest_version_first() }}
        ) as version_rank,
        count(*) over (
            partition by province_code, province_valid_from, period, indicator_code
        ) as versions_sent
    from province_values
)

select
    ranked.province_code,
    ranked.province_valid_from,
    ranked.period,
    ranked.period_grain,
    ranked.period_start,
    ranked.period_end,
    ranked.indicator_code,
    ranked.unit,
    ranked.time_aggregation,
    ranked.additive,
    ranked.value,
    ranked.submitted_at,
    ranked.ingested_at,
    ranked.source_file,
    ranked.sheet,
    ranked.source_row,
    ranked.file_hash,
    ranked.load_id,
    cast(ranked.versions_sent as bigint) as versions_sent,
    ranked.note
from ranked
where ranked.version_rank = 1
