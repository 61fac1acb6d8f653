{#- numerator / denominator as a percent; NULL when either part is NULL or the denominator is 0. -#}
{% macro percent(numerator, denominator) -%}
    100.0 * {{ numerator }} / nullif({{ denominator }}, 0)
{%- endmacro %}
