{#-
    SQL that differs between DuckDB (the warehouse) and PostgreSQL (the second adapter, issue 6 §4),
    behind adapter.dispatch: models call sehat.<macro>, the duckdb__ version is the DuckDB dialect,
    default__ is ANSI / PostgreSQL (the fallback for any other adapter). Keep models free of
    target.type branches: add a macro here instead.
-#}

{% macro list_agg(expression, order_by=none, distinct=false) -%}
    {{ return(adapter.dispatch('list_agg', 'sehat')(expression, order_by, distinct)) }}
{%- endmacro %}

{% macro duckdb__list_agg(expression, order_by, distinct) -%}
    list({% if distinct %}distinct {% endif %}{{ expression }}{% if order_by %} order by {{ order_by }}{% endif %})
{%- endmacro %}

{% macro default__list_agg(expression, order_by, distinct) -%}
    array_agg({% if distinct %}distinct {% endif %}{{ expression }}{% if order_by %} order by {{ order_by }}{% endif %})
{%- endmacro %}


{% macro empty_list(element_type='text') -%}
    {{ return(adapter.dispatch('empty_list', 'sehat')(element_type)) }}
{%- endmacro %}

{% macro duckdb__empty_list(element_type) -%}
    []
{%- endmacro %}

{% macro default__empty_list(element_type) -%}
    cast(array[] as {{ element_type }}[])
{%- endmacro %}


{% macro list_length(expression) -%}
    {{ return(adapter.dispatch('list_length', 'sehat')(expression)) }}
{%- endmacro %}

{% macro duckdb__list_length(expression) -%}
    len({{ expression }})
{%- endmacro %}

{% macro default__list_length(expression) -%}
    cardinality({{ expression }})
{%- endmacro %}


{% macro unnest_with_position(relation, columns, list_expression) -%}
    {{ return(adapter.dispatch('unnest_with_position', 'sehat')(relation, columns, list_expression)) }}
{%- endmacro %}

{% macro duckdb__unnest_with_position(relation, columns, list_expression) -%}
    select {{ columns | join(', ') }},
        unnest(_list) as item,
        unnest(generate_series(1, len(_list))) as position
    from (select *, {{ list_expression }} as _list from {{ relation }}) as _lists
{%- endmacro %}

{% macro default__unnest_with_position(relation, columns, list_expression) -%}
    select {{ columns | join(', ') }}, _items.item, _items.position
    from (select *, {{ list_expression }} as _list from {{ relation }}) as _lists
    cross join lateral unnest(_lists._list) with ordinality as _items(item, position)
{%- endmacro %}


{% macro regexp_like(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'sehat')(expression, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_like(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}

{% macro default__regexp_like(expression, pattern) -%}
    ({{ expression }} ~ {{ pattern }})
{%- endmacro %}
