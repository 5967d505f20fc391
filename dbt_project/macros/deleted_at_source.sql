{#- The keys of one production table currently deleted at the source: a subquery on the source
    raw.production_deletions (written by the key reconciliation of every extraction), so staging
    models read only sources. Columns: key (text), deleted_at_source_on (date).
    Fact tables leave these rows out (`where not exists`), catalogue tables and users keep them
    flagged (`left join`); see docs/design.md, the watermark and its limits. -#}
{% macro deleted_at_source(table_name) -%}
(
        select
            cast(key as {{ sehat.type_text() }}) as key,
            cast(batch_date as date) as deleted_at_source_on
        from {{ source('production', 'production_deletions') }}
        where table_name = '{{ table_name }}'
    )
{%- endmacro %}
