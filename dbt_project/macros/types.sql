{#- Column types are written once, as DuckDB and PostgreSQL spell them (`varchar`, `double
    precision`, `timestamp`): in the models through the macros below, in the model YAML
    (contract `data_type`) and seed `column_types` as plain names. Spark refuses `varchar` without
    a length and `double precision`, and its `timestamp` carries the session time zone where our
    *_at are local times without an offset; this table gives its spelling of each. -#}
{% macro spark_type(data_type) -%}
    {%- set spark_types = {
        'varchar': 'string',
        'double precision': 'double',
        'timestamp': 'timestamp_ntz',
    } -%}
    {{ return(spark_types.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{% macro type_text() -%} {{ return(adapter.dispatch('type_text')()) }} {%- endmacro %}
{% macro default__type_text() -%} {{ return('varchar') }} {%- endmacro %}
{% macro spark__type_text() -%} {{ return(spark_type('varchar')) }} {%- endmacro %}

{% macro type_double() -%} {{ return(adapter.dispatch('type_double')()) }} {%- endmacro %}
{% macro default__type_double() -%} {{ return('double precision') }} {%- endmacro %}
{% macro spark__type_double() -%} {{ return(spark_type('double precision')) }} {%- endmacro %}

{% macro type_timestamp() -%} {{ return(adapter.dispatch('type_timestamp')()) }} {%- endmacro %}
{% macro default__type_timestamp() -%} {{ return('timestamp') }} {%- endmacro %}
{% macro spark__type_timestamp() -%} {{ return(spark_type('timestamp')) }} {%- endmacro %}

{#- An enforced contract compares the model's columns with `cast(null as <data_type>)` of each
    YAML column (dbt's get_empty_schema_sql calls this macro): on Spark in Spark's spelling, so
    the one YAML serves every engine. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}
