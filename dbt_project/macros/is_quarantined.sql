{#- The quarantine predicate: the current quality findings quarantine this row's value (province
    unit × period × indicator). Used by fct_indicator_value and by its post-hook. -#}
{% macro is_quarantined(row) -%}
    exists (
        select 1
        from {{ ref('stg_quality__findings') }} as findings
        where findings.is_quarantined
          and findings.province_code = {{ row }}.province_code
          and findings.province_valid_from = {{ row }}.province_valid_from
          and findings.period = {{ row }}.period
          and findings.indicator_code = {{ row }}.indicator_code
    )
{%- endmacro %}
