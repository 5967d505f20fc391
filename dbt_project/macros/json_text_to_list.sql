{% macro json_text_to_list(column) -%}
    {{ return(adapter.dispatch('json_text_to_list', 'sehat')(column)) }}
{%- endmacro %}

{% macro duckdb__json_text_to_list(column) -%}
    case when {{ column }} is null then null else from_json({{ column }}, '["VARCHAR"]') end
{%- endmacro %}

{% macro default__json_text_to_list(column) -%}
    case
        when {{ column }} is null then null
        else array(select jsonb_array_elements_text(cast({{ column }} as jsonb)))
    end
{%- endmacro %}
