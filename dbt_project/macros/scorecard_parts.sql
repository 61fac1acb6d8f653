{#- Indicator codes the scorecard rates are computed from (var `scorecard_rates`), each once. -#}
{% macro scorecard_parts() -%}
    {%- set parts = [] -%}
    {%- for rate in var('scorecard_rates') -%}
        {%- for code in [rate.numerator, rate.denominator] if code not in parts -%}
            {%- do parts.append(code) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}
