{#- The distinct notes of a group, sorted, joined by '; '; NULL when the group has none.
    Spark has no ordered string_agg: a sorted set of the values, NULL when empty. -#}
{% macro distinct_notes(column) -%} {{ return(adapter.dispatch('distinct_notes')(column)) }} {%- endmacro %}

{% macro default__distinct_notes(column) -%}
    string_agg(distinct {{ column }}, '; ' order by {{ column }})
{%- endmacro %}

{% macro spark__distinct_notes(column) -%}
    nullif(array_join(array_sort(collect_set({{ column }})), '; '), '')
{%- endmacro %}
