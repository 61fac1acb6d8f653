{#- Post-hook of fct_indicator_value: drop values that the current quality findings quarantine
    (an incremental run's insert never touches them). -#}
{% macro delete_quarantined_values(relation) -%}
    delete from {{ relation }} as published
    where exists (
        select 1
        from {{ ref('stg_quality__findings') }} as findings
        where findings.is_quarantined
          and findings.province_code = published.province_code
          and findings.province_valid_from = published.province_valid_from
          and findings.period = published.period
          and findings.indicator_code = published.indicator_code
    )
{%- endmacro %}
