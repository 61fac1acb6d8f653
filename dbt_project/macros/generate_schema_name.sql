{#- A model's custom schema is used as-is (`marts`, not `main_marts`) where dbt owns the whole
    database (work.duckdb): BI tools query `marts.<table>` on DuckDB and PostgreSQL alike. On
    PostgreSQL, BI reads the database dbt writes, so dbt builds under the target schema
    (`work_marts`) and p06 publishes `marts` from it atomically (orchestration/postgres/publish.py).
    Spark's catalog is shared the same way: `work_<layer>` there too. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type in ('postgres', 'spark') -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
