{#- Portable on DuckDB and PostgreSQL: trim, lower, regexp_replace_all, md5, substr. -#}

{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{% macro normalize_phone(column) -%}
    nullif({{ sehat.regexp_replace_all(column, "'[^0-9+]'", "''") }}, '')
{%- endmacro %}

{% macro hash_identifier(column) -%}
    case when {{ column }} is null then null else md5({{ column }}) end
{%- endmacro %}

{% macro mask_name(column) -%}
    case when nullif(trim({{ column }}), '') is null then null else substr(trim({{ column }}), 1, 1) || '***' end
{%- endmacro %}
