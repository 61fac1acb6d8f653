{#- numerator / denominator as a percent rounded half-up to 2 decimals (35.125 -> 35.13), as a
    DOUBLE; NULL when either part is NULL or the denominator is 0.
    Exact on DuckDB and PostgreSQL alike: in hundredths of a percent the rate is
    floor((20000 n + d) / 2d), and floor(a / b) = (a - a % b) / b, a division with no remainder.
    Decimal +, *, % are exact on both engines; the one division (DOUBLE on DuckDB) has a whole
    result, which round() restores exactly. -#}
{% macro percent(numerator, denominator) -%}
    {{ return(adapter.dispatch('percent')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__percent(numerator, denominator) -%}
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

{#- Spark, in doubles: its decimal(38, 6) products lose scale or overflow (an error under ANSI
    mode), and `100.0 * bigint / bigint` gives other digits than DuckDB's. 10000 n is exact in
    a double, the division is correctly rounded, so a rate that is exactly x.xx5 stays a tie
    and round() (half-up on Spark) takes it up; only a denominator above ~4·10^9 could land a
    non-tie on a tie. -#}
{% macro spark__percent(numerator, denominator) -%}
    round(cast({{ numerator }} as double) * 10000 / cast(nullif({{ denominator }}, 0) as double)) / 100
{%- endmacro %}
