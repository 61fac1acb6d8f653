{#- numerator / denominator as a percent rounded half-up to 2 decimals (35.125 -> 35.13), as a
    DOUBLE; NULL when either part is NULL or the denominator is 0.
    Exact on DuckDB and PostgreSQL alike: in hundredths of a percent the rate is
    floor((20000 n + d) / 2d), and floor(a / b) = (a - a % b) / b, a division with no remainder.
    Decimal +, *, % are exact on both engines; the one division (DOUBLE on DuckDB) has a whole
    result, which round() restores exactly. -#}
{% macro percent(numerator, denominator) -%}
    {%- set n = 'cast(' ~ numerator ~ ' as decimal(38, 6))' -%}
    {%- set d = 'cast(nullif(' ~ denominator ~ ', 0) as decimal(38, 6))' -%}
    {%- set a = '(20000 * ' ~ n ~ ' + ' ~ d ~ ')' -%}
    {%- set b = '(2 * ' ~ d ~ ')' -%}
    cast(
        case
            when abs({{ numerator }}) < 1e18 and abs({{ denominator }}) < 1e18
                then round(({{ a }} - {{ a }} % {{ b }}) / {{ b }}) / 100
            {#- no real count comes near: such a value would overflow decimal(38, 6) and fail the
                build, so it gets a rate in doubles instead #}
            else round(10000.0 * {{ numerator }} / nullif({{ denominator }}, 0)) / 100
        end
    as double precision)
{%- endmacro %}
