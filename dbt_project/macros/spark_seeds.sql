{#- Seeds on Spark. dbt-spark binds each cell into the SQL text with Python's `%` under its
    session method, unquoted, so an empty cell (None) arrives as the string 'None': only a
    row-for-row comparison with DuckDB showed it (provinces.valid_to). Here each cell is a
    literal, an empty one NULL, and the `column_types` are spelled the Spark way (types.sql). -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set quote_columns = model['config'].get('quote_columns', None) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for column in agate_table.column_names %}
            {{ adapter.quote_seed_column(column | string, quote_columns) }} {{ seed_column_type(model, agate_table, loop.index0) }}
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        )
        {{ file_format_clause() }}
    {% endset %}
    {% call statement('_') -%} {{ sql }} {%- endcall %}
    {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            ({%- for value in row -%}
                {%- set type = seed_column_type(model, agate_table, loop.index0) -%}
                {%- if value is none -%} cast(null as {{ type }})
                {%- else -%} cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                {%- endif -%}
                {%- if not loop.last %}, {% endif -%}
            {%- endfor -%})
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% do statements.append(sql) %}
    {%- endfor %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro seed_column_type(model, agate_table, index) -%}
    {%- set column = agate_table.column_names[index] -%}
    {%- set declared = model['config'].get('column_types', {}).get(column) -%}
    {{ return(spark_type(declared or adapter.convert_type(agate_table, index))) }}
{%- endmacro %}
