-- Every provincial unit, keyed by (province_code, valid_from), with the current unit it is
-- part of today (itself for current units and `00`).

with provinces as (
    select * from {{ ref('provinces') }}
),

with_current_code as (
    select
        *,
        case when valid_to is null then province_code else successor_code end
            as current_province_code
    from provinces
)

select
    units.province_code,
    units.province_name,
    units.unit_type,
    units.valid_from,
    units.valid_to,
    units.successor_code,
    units.current_province_code,
    current_units.valid_from as current_province_valid_from,
    current_units.province_name as current_province_name
from with_current_code as units
inner join provinces as current_units
    on units.current_province_code = current_units.province_code
    and current_units.valid_to is null
