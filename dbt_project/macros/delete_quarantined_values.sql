{#- Post-hook of fct_indicator_value: drop values that the current quality findings quarantine
    (an incremental run's insert never touches them). -#}
{% macro delete_quarantined_values(relation) -%}
    delete from {{ relation }} as published
    where {{ is_quarantined('published') }}
{%- endmacro %}
