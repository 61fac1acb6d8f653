{#- "Latest version wins": the order that ranks a row's versions, latest first. The latest
    submission, then the load and the ingestion that came last; within one file, the row further
    down, and a row from the file beats a row it has no source_row for (a commune sum). NULLs
    placed explicitly: PostgreSQL puts them first in a descending order, DuckDB and Spark last. -#}
{% macro latest_version_first() -%}
    submitted_at desc, load_id desc, ingested_at desc, source_row desc nulls last
{%- endmacro %}
