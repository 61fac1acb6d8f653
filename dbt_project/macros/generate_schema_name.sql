{#- A model's custom schema is used as-is (`marts`, not `main_marts`): BI tools query
    `marts.<table>` on DuckDB and PostgreSQL alike. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
