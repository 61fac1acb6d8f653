-- Every value sent, at the province grain: province-level values as sent, and commune-level
-- values summed to their province within the file that sent them (one sum per file version,
-- lineage = the file: no sheet row). Only additive indicators are summed: commune values of a
-- non-additive indicator (rates, scores, ONLINE_PROCEDURES) cannot be added up and are ignored.

with values_sent as (
    select * from {{ ref('stg_raw__indicator_values') }}
),

additive_indicators as (
    select indicator_code from {{ ref('indicators') }}
    where additive
),

province_values as (
    select
        file_hash, source_file, sheet, source_row, load_id,
        province_code, province_valid_from, period, period_grain, period_start, period_end,
        indicator_code, value, submitted_at, ingested_at
    from values_sent
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
        max(ingested_at) as ingested_at
    from values_sent
    where commune_code is not null
      and indicator_code in (select indicator_code from additive_indicators)
    group by
        file_hash, load_id,
        province_code, province_valid_from, period, period_grain, period_start, period_end,
        indicator_code
)

select * from province_values
union all
select * from commune_sums
