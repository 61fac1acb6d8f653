{{ config(materialized='table') }}

-- Input of the quality step: one value per province unit × period × indicator after
-- resubmission, before quarantine. Commune-level values are not part of this grain.

with province_values as (
    select * from {{ ref('stg_raw__indicator_values') }}
    where commune_code is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by province_code, province_valid_from, period, indicator_code
            order by submitted_at desc, load_id desc, ingested_at desc, source_row desc
        ) as version_rank,
        count(*) over (
            partition by province_code, province_valid_from, period, indicator_code
        ) as versions_sent
    from province_values
),

indicators as (
    select * from {{ ref('indicators') }}
)

select
    ranked.province_code,
    ranked.province_valid_from,
    ranked.period,
    ranked.period_grain,
    ranked.period_start,
    ranked.period_end,
    ranked.indicator_code,
    indicators.unit,
    indicators.time_aggregation,
    indicators.additive,
    ranked.value,
    ranked.submitted_at,
    ranked.ingested_at,
    ranked.source_file,
    ranked.sheet,
    ranked.source_row,
    ranked.file_hash,
    ranked.load_id,
    cast(ranked.versions_sent as bigint) as versions_sent
from ranked
inner join indicators on ranked.indicator_code = indicators.indicator_code
where ranked.version_rank = 1
