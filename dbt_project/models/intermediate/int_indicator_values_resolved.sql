{{ config(materialized='table') }}

-- Input of the quality step: one value per province unit × period × indicator after
-- resubmission, before quarantine. A commune-level file counts as one version: its sum. Commune
-- values of a non-additive indicator (rates, scores) cannot be added up: ingestion rejects them
-- (commune_not_additive); the filter keeps the loads ingested before that rule as they were.

with indicators as (
    select * from {{ ref('indicators') }}
),

province_values as (
    select values_.*, indicators.unit, indicators.time_aggregation, indicators.additive
    from {{ ref('int_indicator_values_province_grain') }} as values_
    inner join indicators on values_.indicator_code = indicators.indicator_code
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
