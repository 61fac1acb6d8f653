{#- The date the reporting calendar is cut at: var `run_date` (YYYY-MM-DD) or today. -#}
{% macro run_date() -%}
    {%- if var('run_date') -%} cast('{{ var("run_date") }}' as date) {%- else -%} current_date {%- endif -%}
{%- endmacro %}
